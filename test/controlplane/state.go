package controlplane

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// State describes a running control plane well enough for another program to use and stop it:
// the playground saves it as JSON between `up`, `status` and `down`.
type State struct {
	// Dir is the control plane's folder.
	Dir string `json:"dir"`
	// Kubeconfig is the admin kubeconfig.
	Kubeconfig string `json:"kubeconfig"`
	// Server is the apiserver URL.
	Server string `json:"server"`
	// Simulated tells whether controller-manager, scheduler and kwok run.
	Simulated bool `json:"simulated"`
	// Ports are the loopback ports in use.
	Ports Ports `json:"ports"`
	// Processes are the started processes in start order (stopped in reverse).
	Processes []ProcessRecord `json:"processes"`
	// Started is when Start returned.
	Started time.Time `json:"started"`
}

// State returns the control plane's state for saving.
func (cp *ControlPlane) State() State {
	s := State{Dir: cp.Dir, Kubeconfig: cp.Kubeconfig, Server: cp.Server, Simulated: cp.opts.Simulated,
		Ports: cp.Ports, Started: time.Now().UTC()}
	for _, p := range cp.Processes() {
		s.Processes = append(s.Processes, p.Record())
	}
	return s
}

// Dead lists the recorded processes that no longer run.
func (s State) Dead() []string {
	var dead []string
	for _, p := range s.Processes {
		if !p.Alive() {
			dead = append(dead, p.Name)
		}
	}
	return dead
}

// StopAll stops the recorded processes, newest first. Processes already gone are skipped.
func (s State) StopAll(grace time.Duration) error {
	var errs []error
	for i := len(s.Processes) - 1; i >= 0; i-- {
		errs = append(errs, s.Processes[i].Stop(grace))
	}
	return errors.Join(errs...)
}

// SaveState writes s as JSON to path (atomically: a temporary file then a rename).
func SaveState(path string, s State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// LoadState reads a State written by SaveState. A missing file gives an error wrapping os.ErrNotExist.
func LoadState(path string) (State, error) {
	var s State
	data, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("decode state %s: %w", path, err)
	}
	return s, nil
}
