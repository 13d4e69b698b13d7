package envtestutil

import (
	"context"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// RunManager starts mgr in the background, as `orca operator` runs it, and returns the function that stops it
// and waits up to timeout: an error the manager returns, or a stop that takes longer, fails the test.
func RunManager(tb testing.TB, mgr manager.Manager, timeout time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("operator stopped with: %v", err)
			}
		case <-time.After(timeout):
			tb.Errorf("operator did not stop within %s", timeout)
		}
	}
}
