package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// freeLoopbackAddr is a 127.0.0.1 port free a moment ago, for a listener of another process.
func freeLoopbackAddr(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// profileOperator starts a CPU profile of the operator over the window when ORCA_BENCH_PPROF names a
// directory; the returned func waits for it and writes its heap profile beside it (cpu.pprof, heap.pprof).
func profileOperator(b *testing.B, op *operatorProcess, window time.Duration) func() {
	b.Helper()
	dir := os.Getenv("ORCA_BENCH_PPROF")
	if op.pprof == "" || dir == "" {
		return func() {}
	}
	seconds := max(int(window.Seconds()), 1)
	done := make(chan error, 1)
	go func() {
		done <- fetchProfile(op.pprof, fmt.Sprintf("profile?seconds=%d", seconds), filepath.Join(dir, "cpu.pprof"))
	}()
	return func() {
		if err := <-done; err != nil {
			b.Errorf("CPU profile: %v", err)
		}
		if err := fetchProfile(op.pprof, "heap", filepath.Join(dir, "heap.pprof")); err != nil {
			b.Errorf("heap profile: %v", err)
		}
		fmt.Printf("operator profiles in %s (go tool pprof -top %s)\n", dir, filepath.Join(dir, "cpu.pprof"))
	}
}

func fetchProfile(addr, path, file string) error {
	resp, err := http.Get("http://" + addr + "/debug/pprof/" + path)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: %s", path, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("create %s: %w", file, err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	return f.Close()
}
