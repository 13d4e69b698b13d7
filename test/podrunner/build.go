package podrunner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// EnvOrcaBinary names a prebuilt orca binary BuildOrca returns instead of building one.
const EnvOrcaBinary = "ORCA_TEST_ORCA_BINARY"

// RepoRoot is the checkout's root folder, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// BuildOrca builds ./cmd/orca of this checkout and returns an executable of it that never changes under a running
// process. `go build` writes <cache>/orca-build (skipping the link when it is up to date, about half a second),
// then the result is copied once to <cache>/orca-<content hash>, which is what processes run: another test package
// relinking meanwhile never touches a running binary. A file lock serialises builds of test packages running side
// by side. The cache is $ORCA_CACHE/test-bin/<checkout hash> (ORCA_CACHE defaults to ~/.cache/orca).
// EnvOrcaBinary, when set, is returned as is.
func BuildOrca(ctx context.Context) (string, error) {
	if bin := os.Getenv(EnvOrcaBinary); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvOrcaBinary, bin, err)
		}
		return bin, nil
	}
	root := RepoRoot()
	dir, err := buildCache(root)
	if err != nil {
		return "", err
	}
	unlock, err := lockFile(filepath.Join(dir, "lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	build := filepath.Join(dir, "orca-build")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", build, "./cmd/orca")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/orca: %w\n%s", err, out)
	}
	return publish(dir, build)
}

// BuildOrcaT is BuildOrca for a test: a failed build fails it.
func BuildOrcaT(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin, err := BuildOrca(ctx)
	if err != nil {
		tb.Fatalf("build the orca binary: %v", err)
	}
	return bin
}

func buildCache(root string) (string, error) {
	base := os.Getenv("ORCA_CACHE")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the cache folder: %w", err)
		}
		base = filepath.Join(home, ".cache", "orca")
	}
	sum := sha256.Sum256([]byte(root))
	dir := filepath.Join(base, "test-bin", hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("make the build cache: %w", err)
	}
	return dir, nil
}

// lockFile takes an exclusive lock on path until the returned function is called.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open build lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("take build lock: %w", err)
	}
	return func() { _ = f.Close() }, nil
}

// publish copies build to dir/orca-<hash of its content> unless it is there, removes copies older than a day and
// returns the copy's path.
func publish(dir, build string) (string, error) {
	src, err := os.Open(build)
	if err != nil {
		return "", fmt.Errorf("open built binary: %w", err)
	}
	defer func() { _ = src.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, src); err != nil {
		return "", fmt.Errorf("hash built binary: %w", err)
	}
	target := filepath.Join(dir, "orca-"+hex.EncodeToString(h.Sum(nil)[:8]))
	if _, err := os.Stat(target); err == nil {
		return target, nil
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("read built binary: %w", err)
	}
	tmp := target + ".tmp"
	dst, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return "", fmt.Errorf("copy built binary: %w", err)
	}
	_, err = io.Copy(dst, src)
	if err = errors.Join(err, dst.Close()); err != nil {
		return "", fmt.Errorf("copy built binary: %w", err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return "", fmt.Errorf("copy built binary: %w", err)
	}
	pruneOld(dir, target)
	return target, nil
}

// pruneOld removes other copies not modified for a day (a running process keeps its unlinked file).
func pruneOld(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if p == keep || !strings.HasPrefix(e.Name(), "orca-") || e.Name() == "orca-build" {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
			_ = os.Remove(p)
		}
	}
}
