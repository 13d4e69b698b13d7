// Command playground runs a simulated Kubernetes cluster on this machine for trying Orca by hand:
//
//	go run ./test/playground up [--nodes N] [--volumes N] [--no-addons] [--exec NAME=COMMAND]... [--operator-cmd CMD]
//	go run ./test/playground status
//	go run ./test/playground down
//
// `up` starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok in the background
// (they outlive the command), records them in the state folder (default ~/.cache/orca/playground, or
// --state / $ORCA_PLAYGROUND_DIR) and prints how to reach the cluster. Pods are simulated by kwok: nothing runs
// in them. `down` stops everything `up` started and removes the state folder. See docs/playground.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// config is what the flags set.
type config struct {
	stateDir string
	nodes    int
	volumes  int
	noAddons bool
	execs    []execAddon
}

type execFlag struct{ execs *[]execAddon }

func (f execFlag) String() string { return "" }

func (f execFlag) Set(v string) error {
	a, err := parseExec(v)
	if err != nil {
		return err
	}
	*f.execs = append(*f.execs, a)
	return nil
}

type operatorFlag struct{ execs *[]execAddon }

func (f operatorFlag) String() string { return "" }

func (f operatorFlag) Set(v string) error { return execFlag(f).Set("operator=" + v) }

func defaultStateDir() string {
	if dir := os.Getenv("ORCA_PLAYGROUND_DIR"); dir != "" {
		return dir
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "orca-playground")
	}
	return filepath.Join(home, ".cache", "orca", "playground")
}

func parseArgs(args []string, stderr io.Writer) (string, config, error) {
	if len(args) == 0 {
		return "", config{}, errors.New("usage: playground up|status|down [flags] (see -h)")
	}
	cmd := args[0]
	cfg := config{}
	fs := flag.NewFlagSet("playground "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.stateDir, "state", defaultStateDir(), "state folder (pids, ports, kubeconfig, logs)")
	if cmd == "up" {
		fs.IntVar(&cfg.nodes, "nodes", 3, "number of fake nodes (kwok)")
		fs.IntVar(&cfg.volumes, "volumes", 24, "number of pre-made PersistentVolumes")
		fs.BoolVar(&cfg.noAddons, "no-addons", false, "start only the cluster and the --exec commands, "+
			"skipping the built-in addons (CRDs, operator, ...)")
		fs.Var(execFlag{&cfg.execs}, "exec", "NAME=COMMAND: run COMMAND (sh -c) in the background "+
			"with KUBECONFIG set; stopped by down (repeatable)")
		fs.Var(operatorFlag{&cfg.execs}, "operator-cmd", "shorthand for --exec operator=COMMAND, "+
			"e.g. 'go run ./cmd/orca operator'")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return "", cfg, err
	}
	if fs.NArg() > 0 {
		return "", cfg, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return cmd, cfg, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd, cfg, err := parseArgs(args, stderr)
	if err != nil {
		return err
	}
	switch cmd {
	case "up":
		return up(ctx, cfg, stdout)
	case "down":
		return down(cfg, stdout)
	case "status":
		return status(ctx, cfg, stdout)
	default:
		return fmt.Errorf("unknown command %q: want up, status or down", cmd)
	}
}

func main() {
	// An interrupted `up` cancels its start and stops what it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "playground:", err)
		}
		stop()
		os.Exit(1)
	}
}
