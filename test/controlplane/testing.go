package controlplane

import (
	"context"
	"testing"
)

// StartT starts a control plane for a test and stops it in tb.Cleanup, logging the tail of every
// component's log when the test failed. Missing binaries fail the test with the command that builds them.
func StartT(tb testing.TB, opts Options) *ControlPlane {
	tb.Helper()
	cp, err := Start(context.Background(), opts)
	if err != nil {
		tb.Fatalf("start control plane: %v", err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			for _, p := range cp.Processes() {
				tb.Logf("--- last lines of %s ---\n%s", p.LogPath(), p.LogTail(20))
			}
		}
		if err := cp.Stop(); err != nil {
			tb.Errorf("stop control plane: %v", err)
		}
	})
	return cp
}
