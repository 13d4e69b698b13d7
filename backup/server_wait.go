package backup

import (
	"context"
	"fmt"
	"time"
)

// WaitReady pings the server until it answers or timeout passes: a scratch server started next to the
// restore (the verification Job's) may still be initialising its data directory.
func (s Server) WaitReady(ctx context.Context, timeout time.Duration) error {
	db, err := s.open(1)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err = db.PingContext(ctx)
		if err == nil {
			return nil
		}
		if sleepCtx(ctx, backoff(attempt)) != nil {
			return fmt.Errorf("server %s not ready after %s: %w", s.Addr, timeout, err)
		}
	}
}
