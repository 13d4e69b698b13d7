package dnssrv_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/dnssrv/rfc2136"
	"github.com/orca-operator/orca/test/peers"
)

const (
	benchZone = "mysql.orca.internal"
	benchKey  = "c2VjcmV0LXRyYW5zZmVyLWtleS1mb3ItdGVzdHM="
	benchSRV  = "_mysqlx._tcp.mycluster.default.mysql.orca.internal."
)

// BenchmarkDNSPeers (make bench-dns): dnsperf against Orca's server and, in the same run, BIND 9 and Knot
// serving the same records from a zone file; then how fast a role change reaches Orca's answer and an RFC 2136
// flip reaches BIND's. Figures go in docs/benchmarks.md.
func BenchmarkDNSPeers(b *testing.B) {
	z := benchRecords(b, 0, 1)
	orca := startOrca(b, z, false)
	unbatched := startOrca(b, z, true)
	rest, full := zoneText(z)
	bind := peers.StartBIND(b, peers.BINDConfig{Zone: benchZone, Records: rest, Threads: 2,
		Keys: map[string]string{"orca": benchKey}, UpdateKeys: []string{"orca"}})
	knot := peers.StartKnot(b, benchZone, full, 2)
	queries := queryFile(b)
	// Latencies first, on servers not just saturated by dnsperf (whose last in-flight queries they would
	// still be draining).
	fresh, flip := freshness(b, orca), flips(b, bind.Addr)
	servers := []struct{ name, addr string }{{"orca", orca.addr}, {"bind9", bind.Addr}, {"knot", knot.Addr},
		{"orca unbatched", unbatched.addr}}
	qps, ratios := throughput(b, servers, queries)
	best := max(median(qps["bind9"]), median(qps["knot"]))
	orcaQPS := median(qps["orca"])
	report("median qps: orca %.0f, bind9 %.0f, knot %.0f, orca unbatched %.0f", orcaQPS, median(qps["bind9"]),
		median(qps["knot"]), median(qps["orca unbatched"]))
	report("orca / faster peer: %.2fx of the medians, per round %s (target >= 0.85x); orca >= 50k SRV qps: %v",
		orcaQPS/best, fmtRatios(ratios), orcaQPS >= 50000)
	report("recvmmsg/sendmmsg batching: %.2fx the unbatched reader", orcaQPS/median(qps["orca unbatched"]))
	report("freshness, observation to Orca's answer over 20 role changes: %s", fresh)
	report("RFC 2136 flip, Sync to BIND's answer over 20 switchovers: %s", flip)
	out, _ := exec.Command("uptime").Output()
	report("load: %s", strings.TrimSpace(string(out)))
}

// throughput runs dnsperf against each server in rounds that interleave the servers, so a burst of load on the
// shared machine falls on all of them alike; it returns each server's qps per round and Orca's ratio to the
// faster peer in each round.
func throughput(b *testing.B, servers []struct{ name, addr string }, queries string) (map[string][]float64,
	[]float64) {
	qps := map[string][]float64{}
	var ratios []float64
	for round := range benchRounds() {
		for _, s := range servers {
			q, lat := dnsperf(b, s.addr, queries)
			qps[s.name] = append(qps[s.name], q)
			report("round %d: %-14s %9.0f qps  %7.1f µs average latency", round+1, s.name, q, lat*1e6)
		}
		ratios = append(ratios, qps["orca"][round]/max(qps["bind9"][round], qps["knot"][round]))
	}
	return qps, ratios
}

// report prints a figure line (b.Logf would be cut after ten lines).
func report(format string, args ...any) { fmt.Printf("bench-dns: "+format+"\n", args...) }

type orcaServer struct {
	srv   *dnssrv.Server
	store *dnssrv.Store
	addr  string
}

func startOrca(b *testing.B, z *dnssrv.Zone, noBatching bool) *orcaServer {
	b.Helper()
	o := &orcaServer{srv: &dnssrv.Server{NoUDPBatching: noBatching}}
	o.store = &dnssrv.Store{Publish: o.srv.SetZone}
	if err := o.srv.SetZone(z); err != nil {
		b.Fatal(err)
	}
	pcs, err := o.srv.ListenUDP("127.0.0.1:0") // as ListenAndServe in the operator: a socket per reader
	if err != nil {
		b.Fatal(err)
	}
	o.addr = pcs[0].LocalAddr().String()
	go func() { _ = o.srv.ServeUDPSockets(pcs) }()
	b.Cleanup(func() { _ = o.srv.Shutdown(context.Background()) })
	return o
}

// benchCluster has three members, the primary at index primary.
func benchCluster(primary int) dnssrv.Cluster {
	c := dnssrv.Cluster{Name: "mycluster", Namespace: "default", LagThreshold: 100}
	for i := range 3 {
		role := dnssrv.RoleSecondary
		if i == primary {
			role = dnssrv.RolePrimary
		}
		c.Members = append(c.Members, dnssrv.Member{Pod: fmt.Sprintf("mycluster-%d", i), Role: role,
			State: dnssrv.StateOnline, InMajority: true, IP: netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)})})
	}
	return c
}

func benchRecords(b *testing.B, primary int, serial uint32) *dnssrv.Zone {
	b.Helper()
	z, err := dnssrv.Build(dnssrv.ZoneConfig{Serial: serial}, []dnssrv.Cluster{benchCluster(primary)})
	if err != nil {
		b.Fatal(err)
	}
	return z
}

// zoneText is the zone as a file: rest without the apex SOA and NS (BIND adds its own), full with them.
func zoneText(z *dnssrv.Zone) (rest, full string) {
	var r, f strings.Builder
	for _, rr := range z.Records() {
		line := rr.String() + "\n"
		if h := rr.Header(); h.Name == z.Origin() && (h.Rrtype == dns.TypeSOA || h.Rrtype == dns.TypeNS) {
			f.WriteString(line)
			continue
		}
		r.WriteString(line)
		f.WriteString(line)
	}
	f.WriteString("ns." + z.Origin() + " 60 IN A 127.0.0.1\n")
	return r.String(), f.String()
}

func queryFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "queries")
	lines := strings.Repeat(benchSRV+" SRV\n", 8) + "_mysql._tcp.primary.mycluster.default.mysql.orca.internal. SRV\n" +
		"mycluster-1.mycluster.default.mysql.orca.internal. A\n"
	if err := os.WriteFile(path, []byte(lines), 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

var (
	qpsLine = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
	latLine = regexp.MustCompile(`Average Latency \(s\):\s+([0-9.]+)`)
	lostRe  = regexp.MustCompile(`Queries lost:\s+(\d+)`)
)

// dnsperf runs 10 s of load (8 clients, 2 threads) and returns qps and the average latency in seconds.
func dnsperf(b *testing.B, addr, queries string) (float64, float64) {
	b.Helper()
	host, port, _ := net.SplitHostPort(addr)
	out, err := exec.Command("dnsperf", "-s", host, "-p", port, "-d", queries, "-l", "10", "-c", "8", "-T", "2",
		"-q", "500").CombinedOutput()
	if err != nil {
		b.Fatalf("dnsperf against %s: %v (hack/peers.sh installs dnsperf)\n%s", addr, err, out)
	}
	q, l := qpsLine.FindSubmatch(out), latLine.FindSubmatch(out)
	if q == nil || l == nil {
		b.Fatalf("dnsperf output:\n%s", out)
	}
	if lost := lostRe.FindSubmatch(out); lost != nil && string(lost[1]) != "0" {
		report("%s: %s queries lost", addr, lost[1])
	}
	qps, _ := strconv.ParseFloat(string(q[1]), 64)
	lat, _ := strconv.ParseFloat(string(l[1]), 64)
	return qps, lat
}

// freshness times 20 role changes from Store.Observe to the first UDP answer naming the new primary.
func freshness(b *testing.B, o *orcaServer) string {
	var took []time.Duration
	for i := range 20 {
		primary := (i + 1) % 3
		start := time.Now()
		if err := o.store.Observe(benchCluster(primary), dnssrv.FromLoop); err != nil {
			b.Fatal(err)
		}
		waitPrimary(b, o.addr, "udp", primary)
		took = append(took, time.Since(start))
	}
	return percentiles(took)
}

// flips times 20 switchovers published with RFC 2136: from the Sync call to BIND's answer.
func flips(b *testing.B, addr string) string {
	p := &rfc2136.Publisher{Server: addr, Zone: benchZone, KeyName: "orca", Secret: benchKey}
	var took []time.Duration
	for i := range 20 {
		primary := (i + 1) % 3
		start := time.Now()
		if _, err := p.Sync(context.Background(), benchRecords(b, primary, 1).Records()); err != nil {
			b.Fatal(err)
		}
		waitPrimary(b, addr, "tcp", primary)
		took = append(took, time.Since(start))
	}
	return percentiles(took)
}

func waitPrimary(b *testing.B, addr, network string, primary int) {
	want := fmt.Sprintf("mycluster-%d.", primary)
	q := new(dns.Msg).SetQuestion("_mysqlx._tcp.primary.mycluster.default.mysql.orca.internal.", dns.TypeSRV)
	c := &dns.Client{Net: network, Timeout: time.Second}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		r, _, err := c.Exchange(q, addr)
		if err == nil && len(r.Answer) == 1 && strings.HasPrefix(r.Answer[0].(*dns.SRV).Target, want) {
			return
		}
	}
	b.Fatalf("%s never answered primary %d", addr, primary)
}

// benchRounds is ORCA_BENCH_DNS_ROUNDS, default 3.
func benchRounds() int {
	if n, err := strconv.Atoi(os.Getenv("ORCA_BENCH_DNS_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 3
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func fmtRatios(r []float64) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = fmt.Sprintf("%.2fx", v)
	}
	return strings.Join(parts, ", ")
}

func percentiles(d []time.Duration) string {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return fmt.Sprintf("p50 %s, p99 %s, max %s", d[len(d)/2].Round(time.Microsecond),
		d[len(d)*99/100].Round(time.Microsecond), d[len(d)-1].Round(time.Microsecond))
}
