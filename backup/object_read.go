package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrCorrupt marks an object whose bytes do not match the manifest (or a manifest that cannot be parsed).
var ErrCorrupt = errors.New("corrupt backup object")

// readAttempts bounds the whole-object retries of readVerified when a body breaks off mid-stream.
const readAttempts = 5

// readVerified reads an object whole (at most want.Size bytes) and checks its size and SHA-256 before returning
// it, so no byte of a corrupt object is ever used. A transfer that breaks off is retried; a mismatch is not.
func readVerified(ctx context.Context, st Store, key string, size int64, sum string) ([]byte, error) {
	var lastErr error
	for attempt := range readAttempts {
		if attempt > 0 {
			if err := sleepCtx(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
		}
		b, err := readLimited(ctx, st, key, size)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt) || ctx.Err() != nil {
			return nil, err
		}
		if err != nil {
			lastErr = err
			continue
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != sum {
			return nil, fmt.Errorf("%w: %s: sha256 %x, manifest says %s", ErrCorrupt, key, got, sum)
		}
		return b, nil
	}
	return nil, fmt.Errorf("read %s after %d attempts: %w", key, readAttempts, lastErr)
}

func readLimited(ctx context.Context, st Store, key string, size int64) ([]byte, error) {
	rc, err := st.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	var buf bytes.Buffer
	buf.Grow(int(min(size, 64<<20)))
	n, err := io.Copy(&buf, io.LimitReader(rc, size+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if n != size {
		return nil, fmt.Errorf("%w: %s: %d bytes, manifest says %d", ErrCorrupt, key, n, size)
	}
	return buf.Bytes(), nil
}

func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 6)
	return min(d, 5*time.Second)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ReadVerified reads the object at key whole and returns it only when it has exactly size bytes and the SHA-256
// sum (hex): no byte of a corrupt object is used. A transfer that breaks off is retried.
func ReadVerified(ctx context.Context, st Store, key string, size int64, sum string) ([]byte, error) {
	return readVerified(ctx, st, key, size, sum)
}
