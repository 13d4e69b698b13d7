package srvdial_test

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/dnssrv/srvdial"
	"github.com/orca-operator/orca/test/peers"
)

const name = "mycluster.default.mysql.orca.internal"

// serve starts the embedded DNS server on loopback and returns it with its address.
func serve(t *testing.T, members []dnssrv.Member) (*dnssrv.Server, string) {
	t.Helper()
	s := &dnssrv.Server{}
	setZone(t, s, 1, members)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.ServeUDP(pc) }()
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	return s, pc.LocalAddr().String()
}

func setZone(t *testing.T, s *dnssrv.Server, serial uint32, members []dnssrv.Member) {
	t.Helper()
	z, err := dnssrv.Build(dnssrv.ZoneConfig{Serial: serial},
		[]dnssrv.Cluster{{Name: "mycluster", Namespace: "default", Members: members}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetZone(z); err != nil {
		t.Fatal(err)
	}
}

func member(pod, role string, port int) dnssrv.Member {
	return dnssrv.Member{Pod: pod, Role: role, State: dnssrv.StateOnline, InMajority: true,
		IP: netip.MustParseAddr("127.0.0.1"), Port: uint16(port)}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// The primary (priority 0) refuses connections: the connector moves on to the secondary at priority 10, a
// real MariaDB, through Orca's records served on loopback.
func TestConnectorFailsOverToPriority10(t *testing.T) {
	db := peers.StartMariaDB(t)
	_, addr := serve(t, []dnssrv.Member{member("mycluster-0", dnssrv.RolePrimary, closedPort(t)),
		member("mycluster-1", dnssrv.RoleSecondary, db.Port)})
	cfg := mysql.NewConfig()
	cfg.User = "root"
	c := &srvdial.Connector{Name: name, Config: cfg, Resolver: srvdial.DNSResolver{Server: addr}}
	order, err := c.Targets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0].Priority != 0 || order[1].Priority != 10 || order[1].Host != "127.0.0.1" {
		t.Fatalf("targets %+v", order)
	}
	sqldb := sql.OpenDB(c)
	defer func() { _ = sqldb.Close() }()
	var port int
	if err := sqldb.QueryRow("SELECT @@port").Scan(&port); err != nil {
		t.Fatal(err)
	}
	if port != db.Port {
		t.Fatalf("connected to port %d, want MariaDB's %d", port, db.Port)
	}
}

// Every target refusing: the error names each, and the next Connect resolves again.
func TestConnectorReportsEveryTarget(t *testing.T) {
	_, addr := serve(t, []dnssrv.Member{member("mycluster-0", dnssrv.RolePrimary, closedPort(t))})
	c := &srvdial.Connector{Name: name, Config: mysql.NewConfig(), Resolver: srvdial.DNSResolver{Server: addr}}
	_, err := c.Connect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:") || !strings.Contains(err.Error(), "priority 0") {
		t.Fatalf("error %v", err)
	}
	none := &srvdial.Connector{Name: "nope.default.mysql.orca.internal", Config: mysql.NewConfig(),
		Resolver: srvdial.DNSResolver{Server: addr}}
	if _, err := none.Connect(context.Background()); !errors.Is(err, srvdial.ErrNoTargets) {
		t.Fatalf("NXDOMAIN: %v", err)
	}
}

// The answer is cached for its TTL (1 s on role names), then resolved again: a switchover shows after it.
func TestConnectorResolvesAgainAfterTheTTL(t *testing.T) {
	s, addr := serve(t, []dnssrv.Member{member("mycluster-0", dnssrv.RolePrimary, 3306),
		member("mycluster-1", dnssrv.RoleSecondary, 3307)})
	now := time.Unix(1e9, 0)
	c := &srvdial.Connector{Name: "_mysql._tcp.primary." + name, Config: mysql.NewConfig(),
		Resolver: srvdial.DNSResolver{Server: addr}, Now: func() time.Time { return now }}
	port := func() string {
		ts, err := c.Targets(context.Background())
		if err != nil || len(ts) != 1 {
			t.Fatalf("targets %+v: %v", ts, err)
		}
		return strconv.Itoa(int(ts[0].Port))
	}
	if p := port(); p != "3306" {
		t.Fatalf("primary port %s", p)
	}
	setZone(t, s, 2, []dnssrv.Member{member("mycluster-0", dnssrv.RoleSecondary, 3306),
		member("mycluster-1", dnssrv.RolePrimary, 3307)})
	now = now.Add(999 * time.Millisecond)
	if p := port(); p != "3306" {
		t.Fatalf("resolved again before the TTL: %s", p)
	}
	now = now.Add(time.Millisecond)
	if p := port(); p != "3307" {
		t.Fatalf("after the TTL the new primary is not seen: %s", p)
	}
}
