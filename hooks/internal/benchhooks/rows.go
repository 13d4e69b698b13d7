package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// row is one measurement of Orca and of the floor; floorRun is the floor storing a MigrationRun (answer rows).
type row struct {
	name                  string
	orca, floor, floorRun []time.Duration
	errs                  []error
}

// compare runs f n times for each target, alternating, and keeps the durations.
func compare(name string, n int, e *env, f func(t target, i int) (time.Duration, error)) row {
	r := row{name: name}
	for i := range n {
		for _, t := range []target{e.orca, e.floor, e.floorRun} {
			d, err := f(t, i)
			r.add(t.name, d, err)
		}
	}
	return r
}

func (r *row) add(who string, d time.Duration, err error) {
	switch {
	case err != nil:
		r.errs = append(r.errs, err)
	case who == "orca":
		r.orca = append(r.orca, d)
	case who == "floor-run":
		r.floorRun = append(r.floorRun, d)
	default:
		r.floor = append(r.floor, d)
	}
}

// burstRows sends bursts of o.burst deliveries at the same moment, Orca's and the floor's in turn.
func burstRows(ctx context.Context, e *env, o options) row {
	r := row{name: fmt.Sprintf("answer, bursts of %d at once", o.burst)}
	var mu sync.Mutex
	for b := range o.bursts {
		for _, t := range []target{e.orca, e.floor, e.floorRun} {
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range o.burst {
				wg.Go(func() {
					<-start
					d, err := t.send(ctx, fmt.Sprintf("burst-%d-%d", b, i))
					mu.Lock()
					r.add(t.name, d, err)
					mu.Unlock()
				})
			}
			close(start)
			wg.Wait()
		}
	}
	return r
}

// podRows times each delivery until its Pod exists, one at a time: Orca's run is ended (its Pod marked
// Succeeded, as the kubelet would) before the next delivery, so every delivery finds the cluster idle.
func podRows(ctx context.Context, e *env, n int) (row, error) {
	r := row{name: "push to Pod created"}
	for i := range n {
		id := fmt.Sprintf("pod-%d", i)
		began := time.Now()
		if _, err := e.live.send(ctx, id); err != nil {
			return r, err
		}
		name := v1.MigrationRunName("app", id)
		at, err := e.pods.wait("orca-live", name)
		if err != nil {
			return r, err
		}
		r.orca = append(r.orca, at.Sub(began))
		if err := e.endRun(ctx, "orca-live", name); err != nil {
			return r, err
		}
		began = time.Now()
		if _, err := e.floorP.send(ctx, id); err != nil {
			return r, err
		}
		if at, err = e.pods.wait("floor-live", floorName(id)); err != nil {
			return r, err
		}
		r.floor = append(r.floor, at.Sub(began))
	}
	return r, nil
}

// endRun marks the run's Pod Succeeded with the runner's report and waits for the run to be Succeeded.
func (e *env) endRun(ctx context.Context, ns, name string) error {
	key := client.ObjectKey{Namespace: ns, Name: name}
	var pod corev1.Pod
	if err := e.kube.Get(ctx, key, &pod); err != nil {
		return err
	}
	pod.Status.Phase = corev1.PodSucceeded
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "migrate", State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{Message: `{"flavor":"mariadb"}`}}}}
	if err := e.kube.Status().Update(ctx, &pod); err != nil {
		return fmt.Errorf("end pod %s: %w", name, err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var run v1.MigrationRun
		if err := e.kube.Get(ctx, key, &run); err == nil && run.Status.Phase == v1.MigrationSucceeded {
			return nil
		}
	}
	return fmt.Errorf("run %s did not succeed within 30 s", name)
}

// quantile is the q-quantile of ds (nearest rank).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

func report(o options, rows ...row) {
	fmt.Printf("\n| measure | n | Orca p50 | Orca p99 | floor p50 | floor p99 | p99 ratio | run floor p50 | " +
		"run floor p99 | p99 ratio to run floor | target |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		target, verdict := "answer p99 <= 100 ms: ", "met"
		if quantile(r.orca, 0.99) > 100*time.Millisecond {
			verdict = "missed"
		}
		if r.name == "push to Pod created" {
			target, verdict = "(none stated) ", ""
		}
		fmt.Printf("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s%s |\n", r.name, len(r.orca),
			ms(quantile(r.orca, 0.5)), ms(quantile(r.orca, 0.99)), ms(quantile(r.floor, 0.5)),
			ms(quantile(r.floor, 0.99)), ratio(r.orca, r.floor), ms(quantile(r.floorRun, 0.5)),
			ms(quantile(r.floorRun, 0.99)), ratio(r.orca, r.floorRun), target, verdict)
		for i, err := range r.errs {
			if i < 5 {
				fmt.Printf("  error: %v\n", err)
			}
		}
		if len(r.errs) > 0 {
			fmt.Printf("  %d errors in %s\n", len(r.errs), r.name)
		}
	}
	fmt.Printf("(options: -n %d -bursts %d -burst %d -pods %d)\n", o.n, o.bursts, o.burst, o.pods)
}

// ratio is a's p99 over b's, "-" without b.
func ratio(a, b []time.Duration) string {
	if len(b) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(quantile(a, 0.99))/float64(max(1, quantile(b, 0.99))))
}
