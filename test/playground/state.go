package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"k8s.io/client-go/kubernetes"

	"github.com/orca-operator/orca/test/controlplane"
)

// playState is the control plane's state plus the addons' processes (appended to Processes, so that
// StopAll stops them first) and the lines `up` prints about them.
type playState struct {
	controlplane.State
	// Notes are the addons' lines for the usage text.
	Notes []string `json:"notes,omitempty"`
}

func statePath(dir string) string { return filepath.Join(dir, "state.json") }

func saveState(dir string, s playState) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp := statePath(dir) + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp, statePath(dir)); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// loadState reads the state; a missing file gives an error wrapping os.ErrNotExist.
func loadState(dir string) (playState, error) {
	var s playState
	data, err := os.ReadFile(statePath(dir))
	if err != nil {
		return s, fmt.Errorf("read playground state: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("decode %s (remove the folder %s by hand after stopping its processes): %w",
			statePath(dir), dir, err)
	}
	return s, nil
}

// apiReady asks the recorded apiserver's /readyz with the admin kubeconfig.
func apiReady(ctx context.Context, s playState) error {
	cfg, err := controlplane.LoadKubeconfig(s.Kubeconfig)
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("make client: %w", err)
	}
	if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
		return fmt.Errorf("apiserver %s not ready: %w", s.Server, err)
	}
	return nil
}

// lock takes an exclusive lock on the state folder so that two commands never run at once.
func lock(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("make state folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return func() { _ = f.Close() }, nil
}
