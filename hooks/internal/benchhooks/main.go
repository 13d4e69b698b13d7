// Command benchhooks prints, in one run against a real kube-apiserver + etcd (envtest's binaries), how long
// Orca's webhook receiver takes to answer a signed GitHub push (202 only once the MigrationRun is stored) and
// how long from the push until the migration Pod exists in the API server, beside a floor measured in the same
// run: a bare handler that checks the same HMAC and creates one object of the same size before answering, and
// a bare controller that creates a Pod as soon as its watch sees that object. The floor is the cost of any
// receiver that stores before it answers; Orca's extra is its hook lookup, filters, payload parsing, rate limit
// and prechecks. The answer rows also time a second floor, the same handler storing a MigrationRun (the kind
// Orca stores) instead of a ConfigMap: a custom resource costs the API server more to create than a ConfigMap,
// and only that floor stores what Orca must. Sequential deliveries, then bursts of 50 sent at once, Orca and the
// floors alternating.
//
// It also prints the API requests each side sent per delivery in the sequential row and in the burst rows, by
// verb and resource.
//
//	go run ./hooks/internal/benchhooks [-n 300] [-bursts 10] [-pods 50] [-cpuprofile f]   (make bench-hooks)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/orca-operator/orca/internal/benchtool"
	"github.com/orca-operator/orca/test/envtestutil"
)

type options struct {
	n, bursts, burst, pods int
	cpuProfile             string
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 300, "sequential deliveries to each receiver")
	flag.IntVar(&o.bursts, "bursts", 10, "bursts sent to each receiver")
	flag.IntVar(&o.burst, "burst", 50, "deliveries per burst, sent at once")
	flag.IntVar(&o.pods, "pods", 50, "deliveries timed until their Pod exists, one at a time")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write the process's CPU profile (receivers, controllers, "+
		"clients) to this file")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchhooks:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	fmt.Printf("load average at start: %s\n", benchtool.LoadAverage())
	cfg, stop, err := envtestutil.Start()
	if err != nil {
		return fmt.Errorf("control plane: %w", err)
	}
	defer stop()
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	cfg.QPS, cfg.Burst = 2000, 4000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, err := start(ctx, cfg)
	if err != nil {
		return err
	}
	pods, err := podRows(ctx, env, o.pods) // first, while the run controller has nothing else to do
	if err != nil {
		return err
	}
	env.orcaReqs.take()
	env.floorReqs.take()
	seq := compare("answer, sequential", o.n, env, func(t target, i int) (time.Duration, error) {
		return t.send(ctx, fmt.Sprintf("seq-%d", i))
	})
	orcaReqs, floorReqs := env.orcaReqs.take(), env.floorReqs.take()
	bursts := burstRows(ctx, env, o)
	orcaBurst, floorBurst := env.orcaReqs.take(), env.floorReqs.take()
	report(o, seq, bursts, pods)
	fmt.Printf("\nduring the sequential row (%d deliveries each; Orca's include its controllers' work):\n", o.n)
	perDelivery("Orca", orcaReqs, o.n)
	perDelivery("floor (its ConfigMap and MigrationRun receivers, per delivery to either)", floorReqs, 2*o.n)
	fmt.Printf("during the burst rows (%d deliveries each, until the last answer):\n", o.bursts*o.burst)
	perDelivery("Orca", orcaBurst, o.bursts*o.burst)
	perDelivery("floor (both receivers, per delivery to either)", floorBurst, 2*o.bursts*o.burst)
	fmt.Printf("load average at end: %s\n", benchtool.LoadAverage())
	return nil
}
