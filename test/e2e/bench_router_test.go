package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// routerFailover is one primary crash seen by a client writing through the router's RW port; durations from
// the fault.
type routerFailover struct {
	old, new string
	// elected: the simulated group has a new primary (Group Replication's detection and election).
	elected time.Duration
	// learned: the earliest router learned the new primary (orca_router_rw_learned_timestamp_seconds: the GR
	// notice's arrival), and from what (the routers' triggers).
	learned time.Duration
	trigger string
	// written: the client's first write acknowledged by the new primary; sent: when the client started it.
	written, sent time.Duration
	// gap: from the client's last acknowledged write before the fault to written.
	gap time.Duration
	// demoted: writes acknowledged by the old primary after the group elected another.
	demoted int
}

// router is the router's own share: from the GR notice received to the first accepted write.
func (f routerFailover) router() time.Duration { return f.written - f.learned }

// connectWrite is the part of the router's share after the client started that write (or after the router
// learned, if it started before): the connection through the Service proxy and the router, TLS, authentication
// and the write; the rest is the client waiting for its next 50 ms tick.
func (f routerFailover) connectWrite() time.Duration { return f.written - max(f.sent, f.learned) }

// BenchmarkFailoverThroughRouter crashes the primary's mysqld ten times while a client writes every 50 ms
// through the sample's routers (two `orca router` processes run by the pod runner) on their RW port, reached
// through the <cluster> Service as a client in the cluster would. A simulated second lasts ORCA_BENCH_SECOND
// (default 1s: Group Replication's real timing). It prints, per crash, GR's election, when the routers learned
// the new primary, the first write it accepted, the router's own share between the two, the client's whole
// write gap and the writes the demoted primary accepted; it asserts nothing about the timings.
//
//	go test ./test/e2e -run '^$' -bench FailoverThroughRouter -benchtime 1x
func BenchmarkFailoverThroughRouter(b *testing.B) {
	second := benchSecond(b)
	h := startHarnessWith(b, harnessOptions{second: second})
	c := h.createSampleWith(b, func(ic *v1.InnoDBCluster) { ic.Spec.Router = &v1.RouterSpec{} })
	c.waitOnline(300 * time.Second)
	c.waitRoutersReady(120 * time.Second)
	rw := h.serviceAddr(b, c.obj.Namespace, specs.ClientServiceName(c.obj), specs.PortRouterRW)
	var results []routerFailover
	for b.Loop() {
		wr := c.startWriterThrough(rw)
		for range failoverRuns {
			results = append(results, c.crashThroughRouter(wr))
		}
		wr.stopAndCheck()
	}
	fmt.Printf("simulated second: %s\n", second)
	printRouterFailovers(results)
	b.ReportMetric(ms(quantile(results, 0.99, routerFailover.router)), "router-p99-ms")
	b.ReportMetric(float64(sumDemoted(results)), "demoted-writes")
}

// benchSecond is the simulated second of a benchmark: ORCA_BENCH_SECOND, default 1s.
func benchSecond(b *testing.B) time.Duration { return envDuration(b, "ORCA_BENCH_SECOND", time.Second) }

// crashThroughRouter crashes the primary, times the milestones, then waits for the cluster to be whole again.
func (c *cluster) crashThroughRouter(wr *writer) routerFailover {
	c.t.Helper()
	old := c.waitOnline(300 * time.Second)
	c.waitRoutersReady(120 * time.Second)
	g := c.h.World.Group(c.obj.Namespace, c.obj.Name)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	c.waitWriting(wr)
	electedAt := watchElection(ctx, g, old)
	at := time.Now()
	c.member(old).Crash()
	f := routerFailover{old: old}
	elected := <-electedAt
	if elected.IsZero() {
		c.t.Fatalf("the simulated group elected no new primary after %s crashed", old)
	}
	f.new, f.elected = newSimPrimary(g, old), elected.Sub(at)
	f.written = c.waitWritten(wr, f.new, at)
	if a, ok := wr.firstAckOn(at, f.new); ok {
		f.sent = a.sent.Sub(at)
	}
	learned, trigger := c.routersLearned(f.new)
	f.learned, f.trigger = learned.Sub(at), trigger
	if before := wr.acksBetween(at.Add(-time.Minute), at); len(before) > 0 {
		f.gap = at.Add(f.written).Sub(before[len(before)-1].at)
	}
	for _, a := range wr.acksBetween(elected, at.Add(f.written)) {
		if a.member == old {
			f.demoted++
		}
	}
	eventually(c.t, 300*time.Second, func() error { _, err := c.online(); return err })
	return f
}

// waitWriting waits for a write acknowledged after now, so the write gap of the next fault has its start.
func (c *cluster) waitWriting(wr *writer) {
	c.t.Helper()
	since := time.Now()
	eventually(c.t, 60*time.Second, func() error {
		if len(wr.acksBetween(since, time.Now())) == 0 {
			return errors.New("the client has no write acknowledged yet")
		}
		return nil
	})
}

// routerPods are the cluster's router pods by name.
func (c *cluster) routerPods() []corev1.Pod {
	c.t.Helper()
	var pods corev1.PodList
	if err := c.h.Client.List(context.Background(), &pods, client.InNamespace(c.obj.Namespace),
		client.MatchingLabels(specs.RouterSelectorLabels(c.obj))); err != nil {
		c.t.Fatal(err)
	}
	return pods.Items
}

// waitRoutersReady waits for spec.router.instances router pods, all Ready.
func (c *cluster) waitRoutersReady(timeout time.Duration) {
	c.t.Helper()
	want := int(v1.DefaultRouterInstances)
	if r := c.get().Spec.Router; r != nil && r.Instances != nil {
		want = int(*r.Instances)
	}
	eventually(c.t, timeout, func() error {
		pods, ready := c.routerPods(), 0
		for i := range pods {
			if podReady(&pods[i]) {
				ready++
			}
		}
		if ready != want || len(pods) != want {
			return fmt.Errorf("%d of %d router pods Ready, %d wanted", ready, len(pods), want)
		}
		return nil
	})
}

// routersLearned is the earliest time a router of the cluster says it learned primary as its RW destination,
// and the triggers the routers name; it waits until every router has.
func (c *cluster) routersLearned(primary string) (time.Time, string) {
	c.t.Helper()
	var earliest time.Time
	var triggers []string
	eventually(c.t, 30*time.Second, func() error {
		earliest, triggers = time.Time{}, nil
		for _, p := range c.routerPods() {
			addr := c.h.Pods.Address(p.Namespace, p.Name)
			at, trigger, err := learnedAt(addr, primary)
			if err != nil {
				return fmt.Errorf("router %s: %w", p.Name, err)
			}
			if earliest.IsZero() || at.Before(earliest) {
				earliest = at
			}
			triggers = append(triggers, trigger)
		}
		return nil
	})
	return earliest, strings.Join(triggers, ",")
}

// learnedAt reads orca_router_rw_learned_timestamp_seconds from a router's /metrics for a backend of primary.
func learnedAt(addr, primary string) (time.Time, string, error) {
	url := "http://" + net.JoinHostPort(addr, strconv.Itoa(specs.PortRouterHTTP)) + "/metrics"
	resp, err := http.Get(url) //nolint:gosec,noctx // a loopback address of the harness
	if err != nil {
		return time.Time{}, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "orca_router_rw_learned_timestamp_seconds{") ||
			!strings.Contains(line, `backend="`+primary+".") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return time.Time{}, "", fmt.Errorf("%q: %w", line, err)
		}
		sec, frac := math.Modf(v)
		return time.Unix(int64(sec), int64(frac*1e9)), label(line, "trigger"), nil
	}
	return time.Time{}, "", fmt.Errorf("no RW destination %s in %s yet", primary, url)
}

// label is a label's value in a line of Prometheus text.
func label(line, name string) string {
	_, rest, _ := strings.Cut(line, name+`="`)
	v, _, _ := strings.Cut(rest, `"`)
	return v
}

func sumDemoted(fs []routerFailover) int {
	n := 0
	for _, f := range fs {
		n += f.demoted
	}
	return n
}

func printRouterFailovers(fs []routerFailover) {
	fmt.Printf("\ncrash through the router: %d runs\n", len(fs))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(w, "run\told\tnew\t(a) GR elected\t(r) router learned\ttrigger\t(d) first write\t"+
		"router (d-r)\tof it connect+write\twrite gap\tdemoted writes\t")
	for i, f := range fs {
		_, _ = fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", i+1, f.old, f.new,
			round(f.elected), round(f.learned), f.trigger, round(f.written), round(f.router()),
			round(f.connectWrite()), round(f.gap), f.demoted)
	}
	for _, q := range []struct {
		name string
		q    float64
	}{{"median", 0.5}, {"p95", 0.95}, {"p99", 0.99}} {
		at := func(of func(routerFailover) time.Duration) time.Duration { return round(quantile(fs, q.q, of)) }
		_, _ = fmt.Fprintf(w, "%s\t\t\t%s\t%s\t\t%s\t%s\t%s\t%s\t\t\n", q.name,
			at(func(f routerFailover) time.Duration { return f.elected }),
			at(func(f routerFailover) time.Duration { return f.learned }),
			at(func(f routerFailover) time.Duration { return f.written }), at(routerFailover.router),
			at(routerFailover.connectWrite), at(func(f routerFailover) time.Duration { return f.gap }))
	}
	_ = w.Flush()
	p99, demoted := quantile(fs, 0.99, routerFailover.router), sumDemoted(fs)
	verdict := "met"
	if p99 > 100*time.Millisecond {
		verdict = "MISSED"
	}
	fmt.Printf("router's share (GR notice received -> first write accepted by the new primary, including up to "+
		"50 ms to the client's next write): %s at p99; target at most 100ms: %s.\n", round(p99), verdict)
	verdict = "met"
	if demoted > 0 {
		verdict = "MISSED"
	}
	fmt.Printf("writes accepted by the demoted primary: %d; target 0: %s.\n", demoted, verdict)
}
