package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/orca-operator/orca/test/controlplane"
)

// down stops every process `up` recorded and removes the state folder.
func down(cfg config, out io.Writer) error {
	if _, err := os.Stat(cfg.stateDir); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(out, "No playground in %s.\n", cfg.stateDir)
		return nil
	}
	unlock, err := lock(cfg.stateDir)
	if err != nil {
		return err
	}
	defer unlock()
	s, err := loadState(cfg.stateDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := s.StopAll(stopGrace); err != nil {
		return err
	}
	if err := os.RemoveAll(cfg.stateDir); err != nil {
		return fmt.Errorf("remove state: %w", err)
	}
	fmt.Fprintf(out, "Stopped %d processes and removed %s.\n", len(s.Processes), cfg.stateDir)
	return nil
}

// errNotUp makes `status` exit non-zero when the playground is not (fully) running.
var errNotUp = errors.New("the playground is not up")

// status prints each recorded process, the apiserver's readiness and what the cluster holds.
func status(ctx context.Context, cfg config, out io.Writer) error {
	s, err := loadState(cfg.stateDir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(out, "No playground in %s: start one with `go run ./test/playground up`.\n", cfg.stateDir)
		return errNotUp
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Playground in %s, started %s\n", cfg.stateDir, s.Started.Local().Format(time.DateTime))
	// Check each process once: the table and the verdict below must agree even while a process is dying.
	var dead []string
	for _, p := range s.Processes {
		state := "running"
		if !p.Alive() {
			state = "NOT RUNNING"
			dead = append(dead, p.Name)
		}
		fmt.Fprintf(out, "  %-24s pid %-8d %-12s %s\n", p.Name, p.PID, state, p.Log)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := apiReady(ctx, s); err != nil {
		fmt.Fprintf(out, "  %v\n", err)
		return errNotUp
	}
	fmt.Fprintf(out, "  apiserver %s ready; KUBECONFIG=%s\n", s.Server, s.Kubeconfig)
	if summary, err := clusterSummary(ctx, s); err == nil {
		fmt.Fprintf(out, "  %s\n", summary)
	}
	if len(dead) > 0 {
		fmt.Fprintf(out, "Not running: %s. Run `up` again to restart everything.\n", strings.Join(dead, ", "))
		return errNotUp
	}
	return nil
}

func clusterSummary(ctx context.Context, s playState) (string, error) {
	cfg, err := controlplane.LoadKubeconfig(s.Kubeconfig)
	if err != nil {
		return "", err
	}
	c, err := controlplane.NewClient(cfg)
	if err != nil {
		return "", err
	}
	var nodes corev1.NodeList
	var pods corev1.PodList
	if err := c.List(ctx, &nodes); err != nil {
		return "", err
	}
	if err := c.List(ctx, &pods); err != nil {
		return "", err
	}
	running := 0
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning {
			running++
		}
	}
	return fmt.Sprintf("%d nodes, %d pods (%d running, simulated by kwok)",
		len(nodes.Items), len(pods.Items), running), nil
}
