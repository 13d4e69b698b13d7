// Package testutil holds the small helpers every test suite shares.
package testutil

import (
	"fmt"
	"testing"
	"time"
)

// Eventually polls fn every 50ms until it returns nil, and fails the test with fn's last error when timeout
// passes first.
func Eventually(tb testing.TB, timeout time.Duration, fn func() error) {
	tb.Helper()
	if err := Poll(timeout, 50*time.Millisecond, fn); err != nil {
		tb.Fatal(err)
	}
}

// Poll calls fn every interval until it returns nil or timeout passes; then it returns fn's last error.
func Poll(timeout, interval time.Duration, fn func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not reached within %s: %w", timeout, err)
		}
		time.Sleep(interval)
	}
}
