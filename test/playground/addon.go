package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orca-operator/orca/test/controlplane"
)

// Addon adds one piece to the playground once the control plane is up: CRDs, MariaDB, the MySQL member
// simulator, `orca operator`... Addons run in order; a failing addon stops the whole `up` and everything
// started so far. Processes started through Env.Start are recorded in the state and stopped by `down`.
type Addon interface {
	// Name is a short name used in messages and as the addon's folder name.
	Name() string
	// Up starts the addon's part and returns once it is usable.
	Up(ctx context.Context, env *Env) error
}

// addons run after the control plane, in this order. The integrator appends the Orca pieces here
// (install CRDs, start MariaDB and the simulator, run the operator); `--exec` adds command-line ones after.
var addons []Addon

// Env is what an addon gets: the running control plane, a folder, and a way to start recorded processes.
type Env struct {
	// ControlPlane is the running simulated control plane (Client, Config, Kubeconfig, Server).
	ControlPlane *controlplane.ControlPlane
	// StateDir is the playground's state folder; each addon gets StateDir/<name> through Dir.
	StateDir string
	// WorkDir is where `up` was run (the checkout, for `go run ./cmd/orca ...`).
	WorkDir string

	procs []controlplane.ProcessRecord
	notes []string
}

// Dir returns (and creates) the addon's own folder for data and logs.
func (e *Env) Dir(addon string) (string, error) {
	dir := filepath.Join(e.StateDir, addon)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("make folder of %s: %w", addon, err)
	}
	return dir, nil
}

// Start starts a detached process (it outlives `up`), recorded so that `down` stops it. KUBECONFIG points
// at the playground; LogDir defaults to StateDir and WorkDir to the folder `up` was run in.
func (e *Env) Start(spec controlplane.ProcessSpec) (*controlplane.Process, error) {
	spec.Detach = true
	if spec.LogDir == "" {
		spec.LogDir = e.StateDir
	}
	if spec.WorkDir == "" {
		spec.WorkDir = e.WorkDir
	}
	base := []string{"KUBECONFIG=" + e.ControlPlane.Kubeconfig, "ORCA_PLAYGROUND_DIR=" + e.StateDir}
	spec.Env = append(base, spec.Env...)
	p, err := controlplane.StartProcess(spec)
	if err != nil {
		return nil, err
	}
	e.procs = append(e.procs, p.Record())
	return p, nil
}

// Note adds a line to what `up` prints at the end (an address, a credential, a hint).
func (e *Env) Note(format string, args ...any) {
	e.notes = append(e.notes, fmt.Sprintf(format, args...))
}

// execAddon runs a shell command in the background, e.g. --exec operator='go run ./cmd/orca operator'.
type execAddon struct {
	name    string
	command string
	// settle is how long the command must survive to count as started.
	settle time.Duration
}

func parseExec(v string) (execAddon, error) {
	name, command, ok := strings.Cut(v, "=")
	if !ok || name == "" || strings.TrimSpace(command) == "" || strings.ContainsAny(name, "/ ") {
		return execAddon{}, fmt.Errorf("--exec %q: want NAME=COMMAND (NAME without spaces or slashes)", v)
	}
	return execAddon{name: name, command: command, settle: 2 * time.Second}, nil
}

func (a execAddon) Name() string { return a.name }

// Up starts `sh -c COMMAND` and fails if it exits within the settle time (with its log).
func (a execAddon) Up(ctx context.Context, env *Env) error {
	p, err := env.Start(controlplane.ProcessSpec{Name: a.name, Path: "/bin/sh", Args: []string{"-c", a.command}})
	if err != nil {
		return err
	}
	select {
	case <-p.Done():
		return fmt.Errorf("%s exited at once: %w\n--- %s ---\n%s", a.name, p.ExitErr(), p.LogPath(), p.LogTail(20))
	case <-ctx.Done():
		return fmt.Errorf("start %s: %w", a.name, ctx.Err())
	case <-time.After(a.settle):
	}
	env.Note("%-10s %s (pid %d, log %s)", a.name, a.command, p.PID(), p.LogPath())
	return nil
}
