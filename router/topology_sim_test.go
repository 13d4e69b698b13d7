package router

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// The router knows one member, learns the rest from the group, and routes RW to the primary and RO
// round-robin over the secondaries, classic and X, with TLS passed through to the member.
func TestRoutesFollowTheGroupOnSimulator(t *testing.T) {
	sg := newSimGroup(t, 3, "127.0.42.", mysqlsim.Config{})
	sg.bootstrap()
	r := sg.router(nil)
	waitTable(t, r.s, "the whole group learned", func(tab Table) bool {
		return tab.Primary == sg.keys[0] && slices.Equal(tab.ReadOnly, []string{sg.keys[1], sg.keys[2]})
	})
	if got := mustConnect(t, r.addr[ClassicRW]).mustServer(t); got != sg.uuid(0) {
		t.Fatalf("RW reached %s, want the primary %s", got, sg.uuid(0))
	}
	seen := map[string]int{}
	for range 6 {
		seen[mustConnect(t, r.addr[ClassicRO]).mustServer(t)]++
	}
	if seen[sg.uuid(1)] != 3 || seen[sg.uuid(2)] != 3 {
		t.Fatalf("RO spread %v, want 3 each on the secondaries", seen)
	}
	for route, want := range map[Route]string{XRW: sg.uuid(0), XRO: ""} {
		s, err := xSession(t, r.addr[route])
		if err != nil {
			t.Fatalf("%s: %v", route, err)
		}
		got, err := xServer(t, s)
		if err != nil || (want != "" && got != want) || (want == "" && got == sg.uuid(0)) {
			t.Fatalf("%s reached %s (%v)", route, got, err)
		}
	}
	classic, _, _ := sg.fe.Addrs(sg.members[0])
	if certOf(t, r.addr[ClassicRW]) != certOf(t, classic) {
		t.Fatal("the client through the router saw another certificate than the member's: TLS not passed through")
	}
	checkHTTP(t, r, http.StatusOK, "orca_router_member_role", "orca_router_view_info", "orca_router_connections",
		"orca_router_route_changes_total", "orca_router_bytes_total", `orca_router_quorum{cluster="db",namespace="ns"} 1`,
		`orca_router_probe_results_total{cluster="db",namespace="ns",trigger="connect"}`,
		"orca_router_rw_learned_timestamp_seconds")
}

func checkHTTP(t *testing.T, r *running, healthz int, metrics ...string) {
	t.Helper()
	resp, err := http.Get(r.http.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != healthz {
		t.Fatalf("/healthz %d, want %d", resp.StatusCode, healthz)
	}
	resp, err = http.Get(r.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, m := range metrics {
		if !strings.Contains(string(body), m) {
			t.Fatalf("/metrics lacks %s:\n%s", m, body)
		}
	}
}

// Switchover: new RW connections reach the new primary as soon as the router sees it; established RW
// connections to the demoted primary are closed; RO connections stay, the promoted member's included.
func TestSwitchoverOnSimulator(t *testing.T) {
	sg := newSimGroup(t, 3, "127.0.43.", mysqlsim.Config{})
	sg.bootstrap()
	r := sg.router(func(s *Server) { s.PollInterval = time.Hour }) // notices alone must carry the change
	waitTable(t, r.s, "group", func(tab Table) bool { return len(tab.ReadOnly) == 2 })
	rw := mustConnect(t, r.addr[ClassicRW])
	xrw, err := xSession(t, r.addr[XRW])
	if err != nil {
		t.Fatal(err)
	}
	ro := append(pinTo(t, r.addr[ClassicRO], sg.uuid(1), 2), pinTo(t, r.addr[ClassicRO], sg.uuid(2), 2)...)
	asked := time.Now()
	sg.exec(0, "SELECT group_replication_set_as_primary('"+sg.uuid(1)+"')")
	waitTable(t, r.s, "the new primary", func(tab Table) bool { return tab.Primary == sg.keys[1] })
	// Learned from a GR notice that arrived after the switchover was asked for (the poll is off).
	if at := r.counter(t, "rw_learned", sg.keys[1], "notice"); at < float64(asked.UnixNano())/1e9 ||
		at > float64(time.Now().UnixNano())/1e9 {
		t.Fatalf("rw_learned_timestamp_seconds{trigger=notice} = %f, switchover asked at %s", at, asked)
	}
	// Whether a notice arrives before the router's first probes is a race in the other tests; here one must.
	checkHTTP(t, r, http.StatusOK, `orca_router_probe_results_total{cluster="db",namespace="ns",trigger="notice"}`)
	if got := mustConnect(t, r.addr[ClassicRW]).mustServer(t); got != sg.uuid(1) {
		t.Fatalf("new RW connection reached %s", got)
	}
	if _, err := rw.server(); err == nil {
		t.Fatal("the RW connection to the demoted primary is still open")
	}
	if _, err := xServer(t, xrw); err == nil {
		t.Fatal("the X RW session to the demoted primary is still open")
	}
	for _, c := range ro {
		if _, err := c.server(); err != nil {
			t.Fatalf("an RO connection to a member that stayed healthy was closed: %v", err)
		}
	}
	if r.counter(t, "closed", "classic_rw", reasonRoleChange) != 1 || r.counter(t, "closed", "x_rw",
		reasonRoleChange) != 1 || r.counter(t, "route_changes", "rw") < 2 {
		t.Fatalf("closed classic %v x %v, rw route changes %v", r.counter(t, "closed", "classic_rw",
			reasonRoleChange), r.counter(t, "closed", "x_rw", reasonRoleChange), r.counter(t, "route_changes", "rw"))
	}
}

// The primary crashes: RW follows the group's election; a backend that dies closes only its own clients.
func TestPrimaryCrashOnSimulator(t *testing.T) {
	sg := newSimGroup(t, 3, "127.0.44.", mysqlsim.Config{})
	sg.bootstrap()
	r := sg.router(nil)
	waitTable(t, r.s, "group", func(tab Table) bool { return len(tab.ReadOnly) == 2 })
	rw := mustConnect(t, r.addr[ClassicRW])
	ro1, ro2 := pinTo(t, r.addr[ClassicRO], sg.uuid(1), 1)[0], pinTo(t, r.addr[ClassicRO], sg.uuid(2), 1)[0]
	sg.members[0].Crash()
	tab := waitTable(t, r.s, "a new primary", func(tab Table) bool {
		return tab.Primary == sg.keys[1] || tab.Primary == sg.keys[2]
	})
	newPrimary := slices.Index(sg.keys, tab.Primary)
	if got := mustConnect(t, r.addr[ClassicRW]).mustServer(t); got != sg.uuid(newPrimary) {
		t.Fatalf("RW after the crash reached %s", got)
	}
	if _, err := rw.server(); err == nil {
		t.Fatal("a connection to the crashed primary still answers")
	}
	for _, c := range []*client{ro1, ro2} {
		if _, err := c.server(); err != nil {
			t.Fatalf("an RO connection to a surviving member was dropped: %v", err)
		}
	}
}

// Partitions: an isolated secondary loses its RO connections and routes; an isolated primary its RW ones,
// and RW moves to the majority's new primary.
func TestPartitionOnSimulator(t *testing.T) {
	sg := newSimGroup(t, 3, "127.0.45.", mysqlsim.Config{})
	sg.bootstrap()
	r := sg.router(nil)
	waitTable(t, r.s, "group", func(tab Table) bool { return len(tab.ReadOnly) == 2 })
	rw := mustConnect(t, r.addr[ClassicRW])
	ro1, ro2 := pinTo(t, r.addr[ClassicRO], sg.uuid(1), 1)[0], pinTo(t, r.addr[ClassicRO], sg.uuid(2), 1)[0]
	sg.members[2].Isolate()
	waitTable(t, r.s, "the isolated secondary out", func(tab Table) bool {
		return slices.Equal(tab.ReadOnly, []string{sg.keys[1]}) && !slices.Contains(tab.Readable, sg.keys[2])
	})
	if _, err := ro2.server(); err == nil {
		t.Fatal("an RO connection to the isolated member is still open")
	}
	for _, c := range []*client{rw, ro1} {
		if _, err := c.server(); err != nil {
			t.Fatalf("a connection to a member on the majority side was dropped: %v", err)
		}
	}
	for range 4 {
		if got := mustConnect(t, r.addr[ClassicRO]).mustServer(t); got != sg.uuid(1) {
			t.Fatalf("RO reached %s while it is isolated", got)
		}
	}
	sg.members[0].Isolate()
	// Alone with member 1 of the three, neither member 0 nor member 1 has a majority: quorum is lost.
	waitTable(t, r.s, "quorum lost", func(tab Table) bool { return tab.Verdict == VerdictQuorumLost })
	if _, err := rw.server(); err == nil {
		t.Fatal("the RW connection to the primary cut off from the group is still open")
	}
}

// Quorum loss: RW refuses with MySQL Router's 2003 and a reason, RO keeps serving unless configured not to.
func TestQuorumLossOnSimulator(t *testing.T) {
	sg := newSimGroup(t, 3, "127.0.46.", mysqlsim.Config{})
	sg.bootstrap()
	r := sg.router(nil)
	strict := sg.router(func(s *Server) { s.StopROOnQuorumLoss = true })
	for _, x := range []*running{r, strict} {
		waitTable(t, x.s, "group", func(tab Table) bool { return len(tab.ReadOnly) == 2 })
	}
	sg.members[1].Crash()
	sg.members[2].Crash()
	for _, x := range []*running{r, strict} {
		waitTable(t, x.s, "quorum lost", func(tab Table) bool { return tab.Verdict == VerdictQuorumLost })
		checkHTTP(t, x, http.StatusOK,
			`orca_router_quorum{cluster="db",namespace="ns"} 0`) // a deliberate verdict is a current topology
	}
	_, err := connect(t, r.addr[ClassicRW], "")
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != codeCantConnect || !strings.HasSuffix(me.Message,
		"(the group has lost quorum)") {
		t.Fatalf("classic RW without quorum: %v", err)
	}
	_, err = xSession(t, r.addr[XRW])
	var xe *wire.Error
	if !errors.As(err, &xe) || xe.Code != codeCantConnect || !strings.Contains(xe.Msg, "lost quorum") {
		t.Fatalf("X RW without quorum: %v", err)
	}
	if got := mustConnect(t, r.addr[ClassicRO]).mustServer(t); got != sg.uuid(0) {
		t.Fatalf("RO without quorum reached %s", got)
	}
	if _, err := connect(t, strict.addr[ClassicRO], ""); !errors.As(err, &me) || me.Number != codeCantConnect {
		t.Fatalf("RO with StopROOnQuorumLoss: %v", err)
	}
	if r.counter(t, "refused", "classic_rw", refusedQuorumLost) != 1 ||
		strict.counter(t, "refused", "classic_ro", refusedQuorumLost) != 1 {
		t.Fatal("quorum-loss refusals not counted")
	}
}

// A member in distributed recovery is never a destination, not even as the last RO candidate.
func TestRecoveringMemberIsNeverRoutedOnSimulator(t *testing.T) {
	sg := newSimGroup(t, 2, "127.0.47.", mysqlsim.Config{RecoverySeconds: 1e6})
	// The joiner has not received the router's account yet (recovery never ends here): give it its own copy,
	// so the router reads its RECOVERING state rather than failing to log in.
	sg.exec(1, "SET SQL_LOG_BIN=0; CREATE USER orca_router@'%' IDENTIFIED BY '"+routerPassword+"'; "+
		"GRANT SELECT ON performance_schema.replication_group_members TO orca_router@'%'; "+
		"GRANT SELECT ON performance_schema.replication_group_member_stats TO orca_router@'%'; SET SQL_LOG_BIN=1")
	sg.bootstrap()
	sg.waitState(1, mysqlsim.StateRecovering)
	r := sg.router(nil)
	tab := waitTable(t, r.s, "the recovering member seen", func(tab Table) bool {
		return tab.Roles[sg.keys[1]] == RoleUnroutable && tab.Primary == sg.keys[0]
	})
	if !slices.Equal(tab.ReadOnly, []string{sg.keys[0]}) {
		t.Fatalf("RO destinations %v", tab.ReadOnly)
	}
	for range 6 {
		if got := mustConnect(t, r.addr[ClassicRO]).mustServer(t); got != sg.uuid(0) {
			t.Fatalf("RO reached %s, the RECOVERING member", got)
		}
	}
}

// Ten switchovers between members 0 and 1 never touch the connections to member 2, which keep answering
// queries throughout.
func TestTenRouteChangesDropNoUnrelatedConnection(t *testing.T) {
	sg := newSimGroup(t, 3, "127.0.48.", mysqlsim.Config{})
	sg.bootstrap()
	r := sg.router(nil)
	waitTable(t, r.s, "group", func(tab Table) bool { return len(tab.ReadOnly) == 2 })
	pinned := pinTo(t, r.addr[ClassicRO], sg.uuid(2), 10)
	var failures, queries atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range pinned {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if uuid, err := c.server(); err != nil || uuid != sg.uuid(2) {
					failures.Add(1)
					return
				}
				queries.Add(1)
			}
		}()
	}
	for i := range 10 {
		from, to := i%2, (i+1)%2
		sg.exec(from, "SELECT group_replication_set_as_primary('"+sg.uuid(to)+"')")
		waitTable(t, r.s, "switchover", func(tab Table) bool { return tab.Primary == sg.keys[to] })
	}
	close(stop)
	wg.Wait()
	if failures.Load() != 0 || r.counter(t, "route_changes", "rw") < 10 {
		t.Fatalf("%d of %d pinned connections failed; %v RW route changes", failures.Load(), len(pinned),
			r.counter(t, "route_changes", "rw"))
	}
	t.Logf("%d queries on the 10 unrelated connections across 10 switchovers, none failed", queries.Load())
}
