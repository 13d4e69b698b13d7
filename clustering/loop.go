package clustering

import (
	"context"
	"errors"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// errPassDone ends a pass early without it being a failure (the cluster is gone or being deleted).
var errPassDone = errors.New("pass ended")

type loop struct {
	key    types.NamespacedName
	m      *Manager
	wake   chan struct{}
	cancel context.CancelFunc
}

// run executes passes on wake-ups and on the resync timer; a failed pass is retried with backoff.
func (l *loop) run(ctx context.Context) {
	ticker := time.NewTicker(l.m.interval())
	defer ticker.Stop()
	backoff := time.Duration(0)
	for {
		var retry <-chan time.Time
		if backoff > 0 {
			retry = time.After(backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-ticker.C:
		case <-retry:
		}
		err := l.pass(ctx)
		switch {
		case err == nil || errors.Is(err, errPassDone):
			backoff = 0
		case backoff == 0:
			backoff = 500 * time.Millisecond
		default:
			backoff = min(backoff*2, 30*time.Second)
		}
	}
}

func (l *loop) pass(ctx context.Context) error {
	opID := l.m.nextOperationID()
	logger := l.m.Log.WithValues("cluster", l.key.String(), "operationId", opID)
	ctx = log.IntoContext(ctx, logger)
	obs, err := l.observe(ctx)
	if err != nil {
		if !errors.Is(err, errPassDone) {
			logger.Error(err, "observe failed")
		}
		return err
	}
	decision := decide(obs)
	acted, actErr := l.act(ctx, obs, &decision)
	if err := l.publish(ctx, obs, &decision, actErr); err != nil {
		logger.Error(err, "publish failed")
		return err
	}
	if actErr != nil {
		return actErr
	}
	if acted {
		// Observe again at once: one action per pass, then look at what it did.
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	return nil
}
