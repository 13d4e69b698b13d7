package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/benchtool"
	"github.com/orca-operator/orca/test/podrunner"
)

// scaleClusters is how many clusters of three members the scale benchmark creates at once
// (ORCA_BENCH_CLUSTERS: fewer for a quick look).
const scaleClusters = 100

// scaleFailovers is how many primary crashes it times with every cluster running, and again with one
// (ORCA_BENCH_FAILOVERS; 0 ends the benchmark after the steady window, for a profile).
const scaleFailovers = 10

// BenchmarkScale runs one operator for 100 clusters of 3 simulated members on the end-to-end harness
// (docs/benchmarks.md, "Scale"): the time until all are ONLINE; then over a steady window (ORCA_BENCH_STEADY,
// default 10m, real time for Orca; GR's time scaled by ORCA_BENCH_SECOND, default 100ms per simulated
// second) the operator's API requests per cluster per minute by verb, from the API server's audit log, its
// CPU (% of a core) and RSS, from /proc; then a primary crash in ten clusters in turn, Orca's share of each
// failover (GR's election to the new primary's role label) beside the same crashes with one cluster left.
// The operator runs as `orca operator`, a process of its own, with its default 10 s resync.
//
//	make bench-scale
func BenchmarkScale(b *testing.B) {
	second := envDuration(b, "ORCA_BENCH_SECOND", 100*time.Millisecond)
	steady := envDuration(b, "ORCA_BENCH_STEADY", 10*time.Minute)
	n := envCount(b, "ORCA_BENCH_CLUSTERS", scaleClusters, 1)
	failovers := envCount(b, "ORCA_BENCH_FAILOVERS", scaleFailovers, 0)
	audit := newAuditLog(b)
	h := startHarnessWith(b, harnessOptions{second: second, external: true, volumes: 3*n + 12,
		apiserverArgs: audit.args()})
	op := startOperatorProcess(b, h)
	op.waitStarted(b)
	for b.Loop() {
		fmt.Printf("scale: %d clusters x 3 members, simulated second %s, steady window %s, load %s\n",
			n, second, steady, benchtool.LoadAverage())
		clusters := createClusters(b, h, n)
		took, online := waitAllOnline(b, h, n, 20*time.Minute)
		fmt.Printf("%d of %d clusters ONLINE and Ready %s after their creation\n", online, n,
			took.Round(100*time.Millisecond))
		time.Sleep(time.Minute) // the last clusters' first passes settle
		w := measureSteady(b, op, audit, steady)
		w.print(n)
		if failovers > 0 {
			failoverShares(b, h, clusters, failovers)
		}
		fmt.Printf("load at the end: %s\n", benchtool.LoadAverage())
	}
}

// failoverShares crashes primaries with every cluster running, then with one, and prints Orca's shares.
func failoverShares(b *testing.B, h *harness, clusters []*cluster, failovers int) {
	b.Helper()
	up := onlineClusters(clusters)
	if len(up) == 0 {
		b.Fatal("no cluster ONLINE to crash a primary in")
	}
	loaded := crashPrimaries(b, up[:min(failovers, len(up))])
	deleteClusters(b, h, slices.DeleteFunc(slices.Clone(clusters), func(c *cluster) bool { return c == up[0] }))
	alone := crashPrimaries(b, repeat(up[0], failovers))
	printShares(len(clusters), loaded, alone)
}

// envCount reads a count of at least lowest from the environment, def when unset.
func envCount(b *testing.B, name string, def, lowest int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lowest {
		b.Fatalf("%s=%q: want a number of at least %d", name, v, lowest)
	}
	return n
}

func envDuration(b *testing.B, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return d
}

// operatorProcess is `orca operator` running against the harness.
type operatorProcess struct {
	cmd   *exec.Cmd
	log   string
	pprof string // host:port of its /debug/pprof/ when ORCA_BENCH_PPROF names a directory for the profiles
}

// startOperatorProcess runs the operator as `orca operator` does in a pod, dialling members through World's
// map file; it is stopped (SIGTERM) with the benchmark.
func startOperatorProcess(b *testing.B, h *harness) *operatorProcess {
	b.Helper()
	bin := podrunner.BuildOrcaT(b)
	logPath := filepath.Join(b.TempDir(), "operator.log")
	out, err := os.Create(logPath)
	if err != nil {
		b.Fatal(err)
	}
	pprofAddr := ""
	if os.Getenv("ORCA_BENCH_PPROF") != "" {
		pprofAddr = freeLoopbackAddr(b)
	}
	cmd := exec.Command(bin, "operator", "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--hooks-bind-address=0", "--dns-bind-address=0", "--orca-image="+orcaImage, "--dev-member-map="+h.memberMap,
		"--pprof-bind-address="+orDefault(pprofAddr, "0"))
	cmd.Env = append(os.Environ(), "KUBECONFIG="+h.CP.Kubeconfig)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // an interrupted benchmark leaves none
	if err := cmd.Start(); err != nil {
		b.Fatalf("start orca operator: %v", err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = out.Close()
	})
	return &operatorProcess{cmd: cmd, log: logPath, pprof: pprofAddr}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// waitStarted waits until the operator's InnoDBCluster controller runs its workers: the clusters are created
// for an operator already running, as they are in a Kubernetes cluster it manages.
func (p *operatorProcess) waitStarted(b *testing.B) {
	b.Helper()
	eventually(b, 120*time.Second, func() error {
		raw, err := os.ReadFile(p.log)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.Contains(line, `"Starting workers"`) && strings.Contains(line, `"controller":"innodbcluster"`) {
				return nil
			}
		}
		return fmt.Errorf("the operator has not started its InnoDBCluster workers (%s)", p.log)
	})
	time.Sleep(5 * time.Second) // its other controllers and the loops' manager
}

// createClusters creates n samples at once, each in a namespace of its own (scale-000, ...).
func createClusters(b *testing.B, h *harness, n int) []*cluster {
	b.Helper()
	out := make([]*cluster, 0, n)
	for i := range n {
		ns := h.namespace(b, fmt.Sprintf("scale-%03d", i))
		ic := loadSample(b, "mysql_v1alpha1_innodbcluster.yaml")
		ic.Namespace = ns
		if err := h.Client.Create(context.Background(), ic); err != nil {
			b.Fatalf("create cluster %d: %v", i, err)
		}
		out = append(out, &cluster{h: h, t: b, obj: ic})
	}
	return out
}

// waitAllOnline returns how long until every cluster was ONLINE with all members and Ready, or until the
// timeout with fewer (the benchmark goes on with those and says so), from one list of them a second (a get
// per cluster would load the API server the benchmark measures).
func waitAllOnline(b *testing.B, h *harness, n int, timeout time.Duration) (time.Duration, int) {
	b.Helper()
	start := time.Now()
	online := 0
	for time.Since(start) < timeout && online < n {
		var list v1.InnoDBClusterList
		if err := h.Client.List(context.Background(), &list); err != nil {
			b.Fatal(err)
		}
		online = 0
		for i := range list.Items {
			if clusterOnline(&list.Items[i]) {
				online++
			}
		}
		if online < n {
			time.Sleep(time.Second)
		}
	}
	return time.Since(start), online
}

func clusterOnline(c *v1.InnoDBCluster) bool {
	s := c.Status
	ready := false
	for _, cond := range s.Conditions {
		if cond.Type == string(v1.ConditionReady) {
			ready = cond.Status == metav1.ConditionTrue && cond.ObservedGeneration == c.Generation
		}
	}
	return ready && s.ClusterState == v1.ClusterStateOnline && s.OnlineInstances == c.Spec.Instances &&
		s.Primary != ""
}

// deleteClusters deletes the clusters and waits until their pods are gone (their loops stopped).
func deleteClusters(b *testing.B, h *harness, cs []*cluster) {
	b.Helper()
	ctx := context.Background()
	for _, c := range cs {
		if err := h.Client.Delete(ctx, c.obj); err != nil {
			b.Fatalf("delete %s: %v", c.obj.Namespace, err)
		}
	}
	eventually(b, 15*time.Minute, func() error {
		var list v1.InnoDBClusterList
		if err := h.Client.List(ctx, &list); err != nil {
			return err
		}
		if len(list.Items) > 1 {
			time.Sleep(time.Second)
			return fmt.Errorf("%d clusters left", len(list.Items))
		}
		return nil
	})
}

// onlineClusters are the clusters ONLINE now, in order.
func onlineClusters(cs []*cluster) []*cluster {
	var out []*cluster
	for _, c := range cs {
		if clusterOnline(c.get()) {
			out = append(out, c)
		}
	}
	return out
}

func repeat(c *cluster, n int) []*cluster {
	out := make([]*cluster, n)
	for i := range out {
		out[i] = c
	}
	return out
}

// crashPrimaries crashes the primary's mysqld of each cluster in turn and returns Orca's share of each
// failover: from the simulated group electing a new primary to that pod carrying the primary role label.
func crashPrimaries(b *testing.B, cs []*cluster) []time.Duration {
	b.Helper()
	var shares []time.Duration
	for _, c := range cs {
		old := c.waitOnline(300 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		electedAt := watchElection(ctx, c.h.World.Group(c.obj.Namespace, c.obj.Name), old)
		labelledIn := c.watchLabelledPrimary(ctx, old)
		at := time.Now()
		c.h.World.Member(c.obj.Namespace, old).Crash()
		_, labelled := c.waitLabelled(labelledIn, old, at)
		elected := <-electedAt
		cancel()
		if elected.IsZero() {
			b.Fatalf("%s: no new primary elected after %s crashed", c.obj.Namespace, old)
		}
		shares = append(shares, labelled-elected.Sub(at))
		c.waitOnline(300 * time.Second)
	}
	return shares
}

func printShares(n int, loaded, alone []time.Duration) {
	id := func(d time.Duration) time.Duration { return d }
	row := func(name string, ds []time.Duration) time.Duration {
		p99 := quantile(ds, 0.99, id)
		fmt.Printf("%-22s %d crashes: median %s, p99 %s, all %v\n", name, len(ds), round(quantile(ds, 0.5, id)),
			round(p99), roundAll(ds))
		return p99
	}
	fmt.Println("\nOrca's share of a primary crash (GR's election to the new primary's role label):")
	with, one := row(fmt.Sprintf("with %d clusters", n), loaded), row("with 1 cluster", alone)
	verdict := "met"
	if with > 100*time.Millisecond {
		verdict = "MISSED"
	}
	fmt.Printf("p99 with %d clusters / with 1: %.2f; target <= 100ms p99: %s\n", n,
		float64(with)/float64(max(one, time.Microsecond)), verdict)
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
