package dnssrv_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/test/mysqlsim"
)

const (
	simRoot   = "root-Pw1"
	simGroupN = "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"
	connector = "../test/xconformance" // the official Connector/Node.js (hack/npm.sh)
)

// The official Connector/Node.js resolves mysqlx+srv through Orca's server and lands on the simulated
// primary; after a switchover (the records rebuilt from the members' new roles) a new session lands on the new
// primary.
func TestConnectorNodeFollowsSRVToThePrimaryOnSimulator(t *testing.T) {
	requireNode(t)
	g, fe, members := simGroup(t, 2)
	srv := &dnssrv.Server{}
	publish := func(serial uint32) {
		t.Helper()
		if err := srv.SetZone(zoneOf(t, serial, fe, members)); err != nil {
			t.Fatal(err)
		}
	}
	publish(1)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.ServeUDP(pc) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	if got := nodeUUID(t, pc.LocalAddr().String()); got != members[0].UUID() {
		t.Fatalf("session landed on %s, want the primary %s", got, members[0].UUID())
	}
	exec1(t, members[0], fmt.Sprintf("SELECT group_replication_set_as_primary('%s')", members[1].UUID()))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := g.WaitFor(ctx, func() bool { return members[1].Role() == mysqlsim.RolePrimary }); err != nil {
		t.Fatal(err)
	}
	publish(2)
	if got := nodeUUID(t, pc.LocalAddr().String()); got != members[1].UUID() {
		t.Fatalf("after the switchover the session landed on %s, want %s", got, members[1].UUID())
	}
}

func requireNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found: run make test-deps (hack/npm.sh): %v", err)
	}
	if _, err := os.Stat(connector + "/node_modules/@mysql/xdevapi/package.json"); err != nil {
		t.Fatalf("@mysql/xdevapi not installed: run make test-deps (hack/npm.sh): %v", err)
	}
}

// zoneOf builds the records from the members' own roles, each at its X front-end's loopback address.
func zoneOf(t *testing.T, serial uint32, fe *mysqlsim.Frontends, members []*mysqlsim.Member) *dnssrv.Zone {
	t.Helper()
	c := dnssrv.Cluster{Name: "mycluster", Namespace: "default"}
	for i, m := range members {
		_, x, _ := fe.Addrs(m)
		ap := netip.MustParseAddrPort(x)
		c.Members = append(c.Members, dnssrv.Member{Pod: fmt.Sprintf("mycluster-%d", i), Role: string(m.Role()),
			State: string(m.State()), InMajority: true, IP: ap.Addr(), XPort: ap.Port()})
	}
	z, err := dnssrv.Build(dnssrv.ZoneConfig{Serial: serial}, []dnssrv.Cluster{c})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// nodeUUID opens a new mysqlx+srv session with the official connector and returns @@server_uuid.
func nodeUUID(t *testing.T, dnsServer string) string {
	t.Helper()
	spec, _ := json.Marshal(map[string]any{"dnsServer": dnsServer,
		"steps":   []map[string]any{{"sql": "SELECT @@server_uuid"}},
		"connect": "mysqlx+srv://root:" + simRoot + "@_mysqlx._tcp.mycluster.default.mysql.orca.internal"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "client.js", string(spec))
	cmd.Dir = connector
	out, err := cmd.Output()
	var o struct {
		OK    bool
		Error *struct{ Message string }
		Steps []struct{ Sets []struct{ Rows [][]string } }
	}
	if jerr := json.Unmarshal(out, &o); jerr != nil || !o.OK || len(o.Steps) != 1 || len(o.Steps[0].Sets) != 1 {
		t.Fatalf("node client.js: %v %v\n%s", err, jerr, out)
	}
	return o.Steps[0].Sets[0].Rows[0][0]
}

// simGroup boots n simulated MySQL 8.4 members on 127.0.44.x with their front-ends, then the group.
func simGroup(t *testing.T, n int) (*mysqlsim.Group, *mysqlsim.Frontends, []*mysqlsim.Member) {
	t.Helper()
	g, err := mysqlsim.NewGroup(mysqlsim.Config{Second: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	var hosts, seeds []string
	for i := range n {
		hosts = append(hosts, "127.0.44."+strconv.Itoa(i+2))
		seeds = append(seeds, hosts[i]+":33061")
	}
	var members []*mysqlsim.Member
	for i, host := range hosts {
		opts := map[string]string{"server_id": strconv.Itoa(i + 1), "gtid_mode": "ON", "enforce_gtid_consistency": "ON",
			"plugin_load_add": "group_replication.so", "group_replication_group_name": simGroupN,
			"group_replication_start_on_boot": "OFF", "group_replication_local_address": seeds[i],
			"group_replication_group_seeds": strings.Join(seeds, ","), "group_replication_recovery_get_public_key": "ON"}
		m, err := g.AddMember(mysqlsim.MemberConfig{Name: fmt.Sprintf("mycluster-%d", i), Host: host,
			Port: freePort(t, host), XPort: freePort(t, host), RootPassword: simRoot, Version: "8.4.6", Options: opts})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, m)
	}
	fe := &mysqlsim.Frontends{Group: g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fe.Shutdown)
	bootstrap(t, g, members)
	return g, fe, members
}

func bootstrap(t *testing.T, g *mysqlsim.Group, members []*mysqlsim.Member) {
	t.Helper()
	for _, m := range members {
		exec1(t, m, "SET SQL_LOG_BIN=0; CREATE USER rpl@'%' IDENTIFIED BY 'pw'; "+
			"GRANT REPLICATION SLAVE ON *.* TO rpl@'%'; GRANT CONNECTION_ADMIN ON *.* TO rpl@'%'; "+
			"GRANT BACKUP_ADMIN ON *.* TO rpl@'%'; FLUSH PRIVILEGES; "+
			"GRANT GROUP_REPLICATION_STREAM ON *.* TO rpl@'%'; SET SQL_LOG_BIN=1")
	}
	exec1(t, members[0], "SET GLOBAL group_replication_bootstrap_group=ON; "+
		"START GROUP_REPLICATION USER='rpl', PASSWORD='pw'; SET GLOBAL group_replication_bootstrap_group=OFF")
	for _, m := range members[1:] {
		exec1(t, m, "START GROUP_REPLICATION USER='rpl', PASSWORD='pw'")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := g.WaitFor(ctx, func() bool {
		for _, m := range members {
			if m.State() != mysqlsim.StateOnline {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("group not ONLINE (%s, %s): %v", members[0].State(), members[len(members)-1].State(), err)
	}
}

func exec1(t *testing.T, m *mysqlsim.Member, query string) {
	t.Helper()
	s, err := m.RootSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := m.Exec(ctx, s, query); err != nil {
		t.Fatalf("%s: %q: %v", m.Name(), query, err)
	}
}

func freePort(t *testing.T, host string) int {
	t.Helper()
	l, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}
