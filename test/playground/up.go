package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orca-operator/orca/test/controlplane"
)

const stopGrace = 5 * time.Second

// up starts the playground unless it already runs; a half-dead one is cleaned up and started afresh.
func up(ctx context.Context, cfg config, out io.Writer) error {
	unlock, err := lock(cfg.stateDir)
	if err != nil {
		return err
	}
	defer unlock()
	s, err := loadState(cfg.stateDir)
	switch {
	case err == nil:
		dead := s.Dead()
		if len(dead) == 0 && apiReady(ctx, s) == nil {
			since := s.Started.Local().Format(time.DateTime)
			fmt.Fprintf(out, "The Orca playground is already up (since %s).\n\n", since)
			printUsage(out, cfg.stateDir, s)
			return nil
		}
		fmt.Fprintf(out, "Found a broken playground (not running: %s): stopping what is left, starting afresh.\n",
			strings.Join(orUnready(dead), ", "))
		if err := s.StopAll(stopGrace); err != nil {
			return err
		}
		if err := os.Remove(statePath(cfg.stateDir)); err != nil {
			return fmt.Errorf("remove old state: %w", err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	s, err = start(ctx, cfg, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "The Orca playground is up.\n\n")
	printUsage(out, cfg.stateDir, s)
	return nil
}

func orUnready(dead []string) []string {
	if len(dead) == 0 {
		return []string{"apiserver not ready"}
	}
	return dead
}

// start starts the control plane and the addons, then saves the state. On any failure it stops
// everything it started; the logs stay in the state folder.
func start(ctx context.Context, cfg config, out io.Writer) (playState, error) {
	clusterDir := filepath.Join(cfg.stateDir, "cluster")
	if err := os.RemoveAll(clusterDir); err != nil { // a failed start leaves logs and etcd data behind
		return playState{}, fmt.Errorf("clear %s: %w", clusterDir, err)
	}
	fmt.Fprintln(out, "Starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok...")
	opts := controlplane.Options{
		Simulated: true, Detach: true, Build: true, Dir: clusterDir,
		Nodes: cfg.nodes, Volumes: cfg.volumes, StartTimeout: 2 * time.Minute,
	}
	if !cfg.noAddons {
		opts.ProcessImages = []string{orcaImage} // the pods addon runs them; without it kwok plays every pod
	}
	cp, err := controlplane.Start(ctx, opts)
	if err != nil {
		return playState{}, fmt.Errorf("%w\n(logs in %s)", err, clusterDir)
	}
	wd, _ := os.Getwd()
	env := &Env{ControlPlane: cp, StateDir: cfg.stateDir, WorkDir: wd}
	builtin := addons
	if cfg.noAddons {
		builtin = nil
	}
	s, err := runAddons(ctx, env, builtin, cfg.execs, out)
	if err == nil {
		err = saveState(cfg.stateDir, s)
	}
	if err != nil {
		stopErr := s.StopAll(stopGrace)
		return playState{}, errors.Join(err, stopErr, cp.Stop())
	}
	return s, nil
}

// runAddons runs the built-in addons then the --exec ones. The returned state holds every process
// started so far, also on error, so that the caller can stop them.
func runAddons(ctx context.Context, env *Env, builtin []Addon, execs []execAddon, out io.Writer) (playState, error) {
	all := append([]Addon{}, builtin...)
	for _, e := range execs {
		all = append(all, e)
	}
	state := func() playState {
		s := playState{State: env.ControlPlane.State(), Notes: env.notes}
		s.Processes = append(s.Processes, env.procs...)
		return s
	}
	for _, a := range all {
		fmt.Fprintf(out, "Starting %s...\n", a.Name())
		if err := a.Up(ctx, env); err != nil {
			return state(), fmt.Errorf("addon %s: %w", a.Name(), err)
		}
	}
	return state(), nil
}

func printUsage(out io.Writer, stateDir string, s playState) {
	p := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	p("  apiserver  %s", s.Server)
	p("  cluster    %d processes: %s", len(s.Processes), processNames(s))
	p("  state      %s (logs: %s/*.log)", stateDir, filepath.Dir(s.Kubeconfig))
	for _, n := range s.Notes {
		p("  %s", n)
	}
	p("")
	p("Use it:")
	p("  export KUBECONFIG=%s", s.Kubeconfig)
	p("  kubectl get nodes,storageclass,pv")
	p("No kubectl on this machine? Build it once from the pinned Kubernetes sources (several minutes):")
	const kubectlOut = "$HOME/.cache/orca/bin/kubectl"
	p("  (cd hack/controlplane && go build -trimpath -o \"%s\" k8s.io/kubernetes/cmd/kubectl)", kubectlOut)
	p("or let Go build it on every call (heavy):")
	p("  (cd hack/controlplane && go run k8s.io/kubernetes/cmd/kubectl get nodes)")
	p("")
	p("Simulated, not real: every pod, MySQL members included, is only simulated by kwok. Pods turn Running and")
	p("Ready and get a fake IP from %s, but no container runs and nothing listens on those IPs:",
		controlplane.DefaultPodCIDR)
	p("never connect to them. The exception (with the addons): pods running %s (routers, migration Pods) run",
		orcaImage)
	p("for real as bin/orca processes on loopback addresses (test/podrunner; %s), still with a fake pod IP.",
		filepath.Join(stateDir, "pods.json"))
	p("")
	p("Status: go run ./test/playground status    Stop everything: go run ./test/playground down")
}

func processNames(s playState) string {
	names := make([]string, 0, len(s.Processes))
	for _, pr := range s.Processes {
		names = append(names, pr.Name)
	}
	return strings.Join(names, ", ")
}
