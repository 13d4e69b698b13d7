// Package benchtool holds what the benchmark programs (make bench-*) share: building the binary under test and
// noting the machine's load beside the figures.
package benchtool

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildOrca builds ./cmd/orca into dir (run from the repository's root) and returns the binary's path.
func BuildOrca(dir string) (string, error) {
	bin := filepath.Join(dir, "orca")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/orca")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build orca: %w", err)
	}
	return bin, nil
}

// LoadAverage is /proc/loadavg, or "unknown".
func LoadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(raw))
}
