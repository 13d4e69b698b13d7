package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// failoverRuns is how many primary failures one benchmark case times.
const failoverRuns = 10

// failoverTiming is one primary failure, every duration counted from the fault.
type failoverTiming struct {
	old, new string
	// elected: the simulated group has a new primary (Group Replication's own detection and election).
	elected time.Duration
	// labelled: the new primary's pod carries mysql.orca.dev/role=primary.
	labelled time.Duration
	// reachable: the primary Service's endpoints name the new primary and an X Protocol ping to it succeeds.
	reachable time.Duration
	// written: the client writing through the primary Service got its first write acknowledged by the new
	// primary: the end of the write outage an application sees.
	written time.Duration
	// answered: the operator's DNS server names the new primary in the primary SRV record.
	answered time.Duration
}

// dnsFreshness is from Group Replication's election (the notice of the role change) to the new DNS answer.
func (f failoverTiming) dnsFreshness() time.Duration { return f.answered - f.elected }

// orca is what Orca adds to Group Replication's election before a client can write again.
func (f failoverTiming) orca() time.Duration { return f.written - f.elected }

type fault struct {
	name   string
	inject func(c *cluster, pod string)
	heal   func(c *cluster, pod string)
}

// faults are the ways the primary goes away in the benchmark.
var faults = []fault{
	{"crash", func(c *cluster, p string) { c.member(p).Crash() }, func(*cluster, string) {}},
	{"isolate", func(c *cluster, p string) { c.member(p).Isolate() }, func(c *cluster, p string) { c.member(p).Heal() }},
	{"pod-delete", func(c *cluster, p string) {
		pod := c.pods()[p]
		if err := c.h.Client.Delete(context.Background(), pod); err != nil {
			c.t.Fatal(err)
		}
	}, func(*cluster, string) {}},
}

// BenchmarkFailover makes the primary go away ten times per fault (its mysqld crashes, it is cut off from the
// group, its pod is deleted) on one cluster while a client writes through the primary Service every 50 ms,
// and times the failover. A simulated second lasts ORCA_BENCH_SECOND (default 1s: Group Replication's real
// timing, so failure detection and the expel timeout take 10 s). It prints one row per run, the medians and
// the 95th percentiles, and asserts nothing about the timings.
//
//	go test ./test/e2e -run '^$' -bench Failover -benchtime 1x
func BenchmarkFailover(b *testing.B) {
	second := benchSecond(b)
	h := startHarnessWith(b, harnessOptions{second: second})
	c := h.createSample(b)
	c.waitOnline(300 * time.Second)
	password := c.secret(specs.CredentialsSecretName(c.obj), specs.KeyRootPassword)
	results := map[string][]failoverTiming{}
	for b.Loop() {
		for _, f := range benchFaults(b) {
			wr := c.startWriter()
			for range failoverRuns {
				results[f.name] = append(results[f.name], c.failover(password, wr, f.inject, f.heal))
			}
			wr.stopAndCheck()
		}
	}
	fmt.Printf("simulated second: %s\n", second)
	for _, f := range benchFaults(b) {
		printFailovers(f.name, results[f.name])
		b.ReportMetric(ms(quantile(results[f.name], 0.5, failoverTiming.orca)), f.name+"-orca-median-ms")
		b.ReportMetric(ms(quantile(results[f.name], 0.95, failoverTiming.orca)), f.name+"-orca-p95-ms")
	}
	printDNSFreshness(results)
}

// benchFaults are the faults ORCA_BENCH_FAULTS names (comma-separated, e.g. "pod-delete"), default all.
func benchFaults(b *testing.B) []fault {
	v := os.Getenv("ORCA_BENCH_FAULTS")
	if v == "" {
		return faults
	}
	var out []fault
	for _, name := range strings.Split(v, ",") {
		i := slices.IndexFunc(faults, func(f fault) bool { return f.name == name })
		if i < 0 {
			b.Fatalf("ORCA_BENCH_FAULTS: no fault %q (crash, isolate, pod-delete)", name)
		}
		out = append(out, faults[i])
	}
	return out
}

// printDNSFreshness is the DNS figure over every run: GR's election to the operator's new SRV answer.
func printDNSFreshness(results map[string][]failoverTiming) {
	var all []failoverTiming
	for _, f := range faults {
		all = append(all, results[f.name]...)
	}
	p50, p99 := quantile(all, 0.5, failoverTiming.dnsFreshness), quantile(all, 0.99, failoverTiming.dnsFreshness)
	verdict := "met"
	if p99 > 250*time.Millisecond {
		verdict = "MISSED"
	}
	fmt.Printf("\nDNS freshness over %d role changes, GR's election to the new primary SRV answer: %s (median), "+
		"%s (p99); target at most 250ms p99: %s.\n", len(all), round(p50), round(p99), verdict)
}

// failover takes the primary away, times the milestones, then waits for the cluster to be whole again.
func (c *cluster) failover(password string, wr *writer, inject, heal func(*cluster, string)) failoverTiming {
	c.t.Helper()
	old := c.waitOnline(300 * time.Second)
	f := failoverTiming{old: old}
	g := c.h.World.Group(c.obj.Namespace, c.obj.Name)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	electedAt := watchElection(ctx, g, old)
	answeredIn := c.watchDNSPrimary(ctx, old)
	labelledIn := c.watchLabelledPrimary(ctx, old)
	at := time.Now()
	inject(c, old)
	f.new, f.labelled = c.waitLabelled(labelledIn, old, at)
	f.reachable = c.waitReachable(ctx, f.new, password, at)
	f.written = c.waitWritten(wr, f.new, at)
	elected := <-electedAt
	if elected.IsZero() {
		c.t.Fatalf("the simulated group elected no new primary after %s went", old)
	}
	f.elected = elected.Sub(at)
	if f.answered = <-answeredIn; f.answered == 0 {
		c.t.Fatalf("the DNS server never named a new primary after %s went", old)
	}
	heal(c, old)
	eventually(c.t, 300*time.Second, func() error {
		if m := c.h.World.Member(c.obj.Namespace, old); m == nil || !m.Up() || m.State() != mysqlsim.StateOnline {
			return fmt.Errorf("old primary %s not back ONLINE", old)
		}
		_, err := c.online()
		return err
	})
	return f
}

// watchElection returns once every later change of the group is watched (the fault may go ahead); its channel
// then receives when a member other than old became the group's primary (the zero time if none before ctx
// ends).
func watchElection(ctx context.Context, g *mysqlsim.Group, old string) <-chan time.Time {
	elected, armed := make(chan time.Time, 1), make(chan struct{})
	go func() {
		first := true
		err := g.WaitFor(ctx, func() bool {
			if first { // WaitFor now sees every later change
				first = false
				close(armed)
				return false
			}
			return newSimPrimary(g, old) != ""
		})
		if err != nil {
			elected <- time.Time{}
			return
		}
		elected <- time.Now()
	}()
	<-armed
	return elected
}

// newSimPrimary is the ONLINE member other than old that the simulated group has as primary.
func newSimPrimary(g *mysqlsim.Group, old string) string {
	for _, m := range g.Members() {
		if m.Up() && m.State() == mysqlsim.StateOnline && m.Role() == mysqlsim.RolePrimary && m.Name() != old {
			return m.Name()
		}
	}
	return ""
}

// labelledAt is when a watcher of the API server saw a pod carry role=primary.
type labelledAt struct {
	pod string
	at  time.Time
}

// watchLabelledPrimary returns once a watch of the cluster's primary-labelled pods is open (the fault may go
// ahead); its channel then receives the first pod other than old seen with role=primary (zero if none before
// ctx ends). A watch, not polling: the benchmark must not load the API server it times the operator's writes to.
func (c *cluster) watchLabelledPrimary(ctx context.Context, old string) <-chan labelledAt {
	c.t.Helper()
	cs, err := kubernetes.NewForConfig(c.h.CP.Config)
	if err != nil {
		c.t.Fatal(err)
	}
	sel := labels.SelectorFromSet(labels.Set{v1.LabelCluster: c.obj.Name, v1.LabelComponent: v1.ComponentMySQL,
		v1.LabelRole: v1.RolePrimary}).String()
	w, err := cs.CoreV1().Pods(c.obj.Namespace).Watch(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		c.t.Fatalf("watch the primary-labelled pods: %v", err)
	}
	out := make(chan labelledAt, 1)
	go func() {
		defer w.Stop()
		out <- firstLabelled(w.ResultChan(), old)
	}()
	return out
}

// firstLabelled reads events until a live pod other than old appears; zero if the watch ends first.
func firstLabelled(events <-chan watch.Event, old string) labelledAt {
	for ev := range events {
		p, ok := ev.Object.(*corev1.Pod)
		if ok && ev.Type != watch.Deleted && p.Name != old && p.DeletionTimestamp == nil {
			return labelledAt{pod: p.Name, at: time.Now()}
		}
	}
	return labelledAt{}
}

// waitLabelled is the pod the watch saw labelled primary and when, counted from since.
func (c *cluster) waitLabelled(seen <-chan labelledAt, old string, since time.Time) (string, time.Duration) {
	c.t.Helper()
	l := <-seen
	if l.pod == "" {
		c.t.Fatalf("no pod but %s labelled primary after the fault", old)
	}
	return l.pod, l.at.Sub(since)
}

// waitReachable polls until the primary Service targets the new primary and an X Protocol ping to it
// through the harness dialer succeeds.
func (c *cluster) waitReachable(ctx context.Context, primary, password string, since time.Time) time.Duration {
	c.t.Helper()
	var last error
	for ctx.Err() == nil {
		if last = c.primaryServiceFollows(primary); last == nil {
			pctx, cancel := context.WithTimeout(ctx, time.Second)
			last = c.xPing(pctx, primary, password)
			cancel()
			if last == nil {
				return time.Since(since)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	c.t.Fatalf("new primary %s not reachable through its Service: %v", primary, last)
	return 0
}

// waitWritten waits for the client's first acknowledged write on the new primary after the fault.
func (c *cluster) waitWritten(wr *writer, primary string, since time.Time) time.Duration {
	c.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if a, ok := wr.firstAckOn(since, primary); ok {
			return a.at.Sub(since)
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.t.Fatalf("the client got no write acknowledged by %s within 60s", primary)
	return 0
}

// quantile is the q-quantile (nearest rank) of one measure.
func quantile[T any](fs []T, q float64, of func(T) time.Duration) time.Duration {
	if len(fs) == 0 {
		return 0
	}
	ds := make([]time.Duration, len(fs))
	for i, f := range fs {
		ds[i] = of(f)
	}
	slices.Sort(ds)
	i := int(q*float64(len(ds))+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func printFailovers(fault string, fs []failoverTiming) {
	fmt.Printf("\n%s: %d runs\n", fault, len(fs))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(w, "run\told\tnew\t(a) GR elected\t(b) labelled\t(c) reachable\t(d) first write\tOrca (d-a)\t"+
		"(e) DNS answer\tDNS (e-a)\t")
	for i, f := range fs {
		_, _ = fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", i+1, f.old, f.new, round(f.elected),
			round(f.labelled), round(f.reachable), round(f.written), round(f.orca()), round(f.answered),
			round(f.dnsFreshness()))
	}
	for _, q := range []struct {
		name string
		q    float64
	}{{"median", 0.5}, {"p95", 0.95}} {
		_, _ = fmt.Fprintf(w, "%s\t\t\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", q.name,
			round(quantile(fs, q.q, func(f failoverTiming) time.Duration { return f.elected })),
			round(quantile(fs, q.q, func(f failoverTiming) time.Duration { return f.labelled })),
			round(quantile(fs, q.q, func(f failoverTiming) time.Duration { return f.reachable })),
			round(quantile(fs, q.q, func(f failoverTiming) time.Duration { return f.written })),
			round(quantile(fs, q.q, failoverTiming.orca)),
			round(quantile(fs, q.q, func(f failoverTiming) time.Duration { return f.answered })),
			round(quantile(fs, q.q, failoverTiming.dnsFreshness)))
	}
	_ = w.Flush()
	med, p95 := quantile(fs, 0.5, failoverTiming.orca), quantile(fs, 0.95, failoverTiming.orca)
	verdict := "met"
	if med > time.Second || p95 > time.Second {
		verdict = "MISSED"
	}
	fmt.Printf("%s: Orca adds %s (median) and %s (p95) to Group Replication's election before the first "+
		"acknowledged write; target at most 1s at both: %s.\n", fault, round(med), round(p95), verdict)
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
