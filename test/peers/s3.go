package peers

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// S3 is a running versitygw (an S3 server over a local folder) on 127.0.0.1.
type S3 struct {
	// Endpoint is the server's base URL; buckets are addressed path-style.
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey, SecretKey string
	// Dir is the folder whose sub-folders are the buckets.
	Dir string

	cmd  *exec.Cmd
	done chan struct{}
}

// StartS3 starts versitygw for the test with one bucket per name and stops it in tb.Cleanup. The binary is
// built once by hack/versitygw.sh (cached by version under ~/.cache/orca); a failure to get it fails the test.
func StartS3(tb testing.TB, buckets ...string) *S3 {
	tb.Helper()
	dir, err := os.MkdirTemp("", "orca-s3-")
	if err != nil {
		tb.Fatalf("make s3 folder: %v", err)
	}
	s, err := StartS3In(dir, buckets...)
	if err != nil {
		_ = os.RemoveAll(dir)
		tb.Fatalf("start versitygw: %v", err)
	}
	tb.Cleanup(func() {
		s.Stop()
		_ = os.RemoveAll(dir)
	})
	return s
}

// StartS3In starts versitygw over dir/root (dir must exist) and waits until it answers. Stop it with Stop.
func StartS3In(dir string, buckets ...string) (*S3, error) {
	bin, err := versitygwBinary()
	if err != nil {
		return nil, err
	}
	root := filepath.Join(dir, "root")
	for _, b := range append([]string{""}, buckets...) {
		if err := os.MkdirAll(filepath.Join(root, b), 0o755); err != nil {
			return nil, fmt.Errorf("make bucket %s: %w", b, err)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s := &S3{Endpoint: "http://" + addr, AccessKey: "orcatest", SecretKey: "orcatestsecret", Dir: root}
	logFile, err := os.Create(filepath.Join(dir, "versitygw.log"))
	if err != nil {
		return nil, fmt.Errorf("create versitygw log: %w", err)
	}
	s.cmd = exec.Command(bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--port", addr, "posix", root)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start versitygw: %w", err)
	}
	s.done = make(chan struct{})
	go func() { _ = s.cmd.Wait(); _ = logFile.Close(); close(s.done) }()
	if err := s.waitReady(30 * time.Second); err != nil {
		s.Stop()
		log, _ := os.ReadFile(filepath.Join(dir, "versitygw.log"))
		return nil, fmt.Errorf("%w; log: %s", err, lastLines(log))
	}
	return s, nil
}

// versitygwBinary runs hack/versitygw.sh, which builds the pinned version on first use and prints its path.
func versitygwBinary() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "hack", "versitygw.sh")
	out, err := exec.Command(script).Output()
	if err != nil {
		return "", fmt.Errorf("hack/versitygw.sh (run `make test-deps`): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func (s *S3) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/", nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			_ = resp.Body.Close()
			return nil // any HTTP answer (403 without a signature) means it serves
		}
		select {
		case <-s.done:
			return fmt.Errorf("versitygw exited")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("versitygw on %s not ready after %s: %w", s.Endpoint, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop kills the server and waits briefly for it to exit.
func (s *S3) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
}

// VersitygwBinary returns the cached versitygw binary (hack/versitygw.sh installs it), for callers that run it as
// a process of their own (the playground).
func VersitygwBinary() (string, error) { return versitygwBinary() }
