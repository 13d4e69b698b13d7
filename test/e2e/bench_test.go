package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// failoverRuns is how many primary crashes one benchmark iteration times.
const failoverRuns = 10

// failoverTiming is one primary crash, every duration counted from the crash.
type failoverTiming struct {
	old, new string
	// elected: the simulated group has a new primary (Group Replication's own detection and election).
	elected time.Duration
	// labelled: the new primary's pod carries mysql.orca.dev/role=primary (Orca's share ends here).
	labelled time.Duration
	// reachable: the primary Service's endpoints name the new primary and an X Protocol ping to it through
	// the harness dialer succeeds (what a client of the Service waits for).
	reachable time.Duration
}

func (f failoverTiming) orca() time.Duration { return f.labelled - f.elected }

// BenchmarkFailover crashes the primary's mysqld ten times on one cluster and times the failover. Between
// runs the old primary's container restarts and the cluster returns to ONLINE. It prints one row per run and
// the medians; it asserts nothing about the timings.
//
//	go test ./test/e2e -run '^$' -bench Failover -benchtime 1x
func BenchmarkFailover(b *testing.B) {
	h := startHarness(b)
	c := h.createSample(b)
	c.waitOnline(90 * time.Second)
	password := c.secret(specs.CredentialsSecretName(c.obj), specs.KeyRootPassword)
	var all []failoverTiming
	for b.Loop() {
		for range failoverRuns {
			all = append(all, c.failover(password))
		}
	}
	printFailovers(all)
	b.ReportMetric(ms(median(all, func(f failoverTiming) time.Duration { return f.elected })), "election-ms")
	b.ReportMetric(ms(median(all, failoverTiming.orca)), "orca-ms")
	b.ReportMetric(ms(median(all, func(f failoverTiming) time.Duration { return f.reachable })), "reachable-ms")
}

// failover crashes the primary, times the three milestones, then waits for the cluster to be whole again.
func (c *cluster) failover(password string) failoverTiming {
	c.t.Helper()
	old := c.waitOnline(90 * time.Second)
	f := failoverTiming{old: old}
	g := c.h.World.Group(c.obj.Namespace, c.obj.Name)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	elected, armed := make(chan time.Duration, 1), make(chan struct{})
	var crashed time.Time
	go func() {
		first := true
		err := g.WaitFor(ctx, func() bool {
			if first { // WaitFor now sees every later change: the crash may go ahead
				first = false
				close(armed)
				return false
			}
			return newSimPrimary(g, old) != ""
		})
		if err != nil {
			elected <- -1
			return
		}
		elected <- time.Since(crashed)
	}()
	<-armed
	crashed = time.Now()
	c.member(old).Crash()
	f.new, f.labelled = c.waitLabelledPrimary(old, crashed)
	f.reachable = c.waitReachable(ctx, f.new, password, crashed)
	if f.elected = <-elected; f.elected < 0 {
		c.t.Fatalf("the simulated group elected no new primary after %s crashed", old)
	}
	if sim := newSimPrimary(g, old); sim != f.new {
		c.t.Fatalf("Orca labelled %s primary, the group elected %s", f.new, sim)
	}
	eventually(c.t, 60*time.Second, func() error {
		if m := c.member(old); !m.Up() || m.State() != mysqlsim.StateOnline {
			return fmt.Errorf("old primary %s up %v state %s", old, m.Up(), m.State())
		}
		_, err := c.online()
		return err
	})
	return f
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

// waitLabelledPrimary polls the API server until a pod other than old carries role=primary.
func (c *cluster) waitLabelledPrimary(old string, since time.Time) (string, time.Duration) {
	c.t.Helper()
	deadline := since.Add(60 * time.Second)
	for time.Now().Before(deadline) {
		for name, p := range c.podsLabelled(v1.RolePrimary) {
			if name != old && p {
				return name, time.Since(since)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	c.t.Fatalf("no pod but %s labelled primary 60s after the crash", old)
	return "", 0
}

func (c *cluster) podsLabelled(role string) map[string]bool {
	c.t.Helper()
	var list corev1.PodList
	if err := c.h.Client.List(context.Background(), &list, client.InNamespace(c.obj.Namespace),
		client.MatchingLabels{v1.LabelCluster: c.obj.Name, v1.LabelRole: role}); err != nil {
		c.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, p := range list.Items {
		out[p.Name] = p.DeletionTimestamp == nil
	}
	return out
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

func median(fs []failoverTiming, of func(failoverTiming) time.Duration) time.Duration {
	if len(fs) == 0 {
		return 0
	}
	ds := make([]time.Duration, len(fs))
	for i, f := range fs {
		ds[i] = of(f)
	}
	slices.Sort(ds)
	if n := len(ds); n%2 == 0 {
		return (ds[n/2-1] + ds[n/2]) / 2
	}
	return ds[len(ds)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func printFailovers(fs []failoverTiming) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(w, "run\told primary\tnew primary\t(a) GR elected\t(b) labelled\t(c) reachable\t"+
		"Orca (b-a)\t")
	for i, f := range fs {
		_, _ = fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", i+1, f.old, f.new, round(f.elected),
			round(f.labelled), round(f.reachable), round(f.orca()))
	}
	_, _ = fmt.Fprintf(w, "median\t\t\t%s\t%s\t%s\t%s\t\n",
		round(median(fs, func(f failoverTiming) time.Duration { return f.elected })),
		round(median(fs, func(f failoverTiming) time.Duration { return f.labelled })),
		round(median(fs, func(f failoverTiming) time.Duration { return f.reachable })),
		round(median(fs, failoverTiming.orca)))
	_ = w.Flush()
	fmt.Printf("Orca's share (b-a) median %s; target: under 2s median, Group Replication's own election aside.\n",
		round(median(fs, failoverTiming.orca)))
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
