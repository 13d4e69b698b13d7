package router

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/internal/tlsca/tlscatest"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/test/admintest"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/xprotocol"
)

const (
	rootPassword   = "root-Pw1"
	routerUser     = "orca_router"
	routerPassword = "r0uter-Pw"
	groupName      = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
	memberXPort    = 33060 // Orca fixes mysqlx_port; the loopback map sends it to each member's real port
)

// simGroup is a simulated MySQL 8.4 group (test/mysqlsim) on 127.0.42.x with both front-ends per member,
// reached only through a loopback dialer, as the router reaches members in the playground.
type simGroup struct {
	t       *testing.T
	g       *mysqlsim.Group
	fe      *mysqlsim.Frontends
	members []*mysqlsim.Member
	dialer  *memberdial.Loopback
	keys    []string      // classic addresses as replication_group_members reports them (MEMBER_HOST:MEMBER_PORT)
	ca      *tlscatest.CA // issued each member's certificate, for its host (MEMBER_HOST)
}

// newSimGroup boots n members on base+2, base+3, ... (base like "127.0.42."); one simulated second lasts 5ms.
func newSimGroup(t *testing.T, n int, base string, cfg mysqlsim.Config) *simGroup {
	t.Helper()
	if cfg.Second == 0 {
		cfg.Second = 5 * time.Millisecond
	}
	g, err := mysqlsim.NewGroup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	sg := &simGroup{t: t, g: g, dialer: memberdial.NewLoopback(), ca: tlscatest.New(t)}
	var hosts []string
	for i := range n {
		hosts = append(hosts, fmt.Sprintf("%s%d", base, i+2))
	}
	for i, host := range hosts {
		ports := freePorts(t, host, 2)
		m, err := g.AddMember(mysqlsim.MemberConfig{Name: fmt.Sprintf("db-%d", i), Host: host, Port: ports[0],
			XPort: ports[1], RootPassword: rootPassword, Version: "8.4.6", Options: groupOptions(i, hosts),
			TLS: sg.ca.Server(host)})
		if err != nil {
			t.Fatal(err)
		}
		sg.members = append(sg.members, m)
		sg.keys = append(sg.keys, net.JoinHostPort(host, fmt.Sprint(ports[0])))
	}
	sg.fe = &mysqlsim.Frontends{Group: g}
	if err := sg.fe.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sg.fe.Shutdown)
	for i, m := range sg.members {
		_, xAddr, _ := sg.fe.Addrs(m)
		for member, target := range map[string]string{hosts[i] + ":33060": xAddr, hosts[i]: hosts[i]} {
			if err := sg.dialer.Set(member, target); err != nil {
				t.Fatal(err)
			}
		}
	}
	return sg
}

// groupOptions is the manual's single-primary my.cnf ("Configuring an Instance for Group Replication").
func groupOptions(i int, hosts []string) map[string]string {
	var seeds []string
	for _, h := range hosts {
		seeds = append(seeds, h+":33061")
	}
	return map[string]string{
		"server_id": fmt.Sprint(i + 1), "gtid_mode": "ON", "enforce_gtid_consistency": "ON",
		"plugin_load_add": "group_replication.so", "group_replication_group_name": groupName,
		"group_replication_start_on_boot": "OFF", "group_replication_local_address": hosts[i] + ":33061",
		"group_replication_group_seeds": strings.Join(seeds, ","), "group_replication_recovery_get_public_key": "ON",
	}
}

func freePorts(t *testing.T, host string, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", host+":0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		_ = l.Close()
	}
	return ports
}

func (sg *simGroup) exec(i int, query string) {
	sg.t.Helper()
	s, err := sg.members[i].RootSession()
	if err != nil {
		sg.t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := sg.members[i].Exec(ctx, s, query); err != nil {
		sg.t.Fatalf("%s: %q: %v", sg.members[i].Name(), query, err)
	}
}

// bootstrap forms the group as the manual does (recovery user with sql_log_bin=0 everywhere, bootstrap the
// first member, START GROUP_REPLICATION on the joiners), with the router's least-privilege account created
// by the operator's own code on the first member, before the others join and receive it by recovery.
func (sg *simGroup) bootstrap(joiners ...int) {
	sg.t.Helper()
	for i := range sg.members {
		sg.exec(i, "SET SQL_LOG_BIN=0; CREATE USER rpl_user@'%' IDENTIFIED BY 'password'; "+
			"GRANT REPLICATION SLAVE ON *.* TO rpl_user@'%'; GRANT CONNECTION_ADMIN ON *.* TO rpl_user@'%'; "+
			"GRANT BACKUP_ADMIN ON *.* TO rpl_user@'%'; GRANT GROUP_REPLICATION_STREAM ON *.* TO rpl_user@'%'; "+
			"FLUSH PRIVILEGES; SET SQL_LOG_BIN=1")
	}
	sg.exec(0, "SET GLOBAL group_replication_bootstrap_group=ON; "+
		"START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'; SET GLOBAL group_replication_bootstrap_group=OFF")
	s, err := sg.members[0].RootSession()
	if err != nil {
		sg.t.Fatal(err)
	}
	in := mysqladmin.New(admintest.Runner{M: sg.members[0], S: s})
	if err := in.EnsureRouterUser(context.Background(),
		mysqladmin.Account{User: routerUser, Password: routerPassword}); err != nil {
		sg.t.Fatal(err)
	}
	s.Close()
	if joiners == nil {
		for i := 1; i < len(sg.members); i++ {
			joiners = append(joiners, i)
		}
	}
	for _, i := range joiners {
		sg.exec(i, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
	}
}

func (sg *simGroup) waitState(i int, st mysqlsim.MemberState) {
	sg.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := sg.g.WaitFor(ctx, func() bool { return sg.members[i].State() == st }); err != nil {
		sg.t.Fatalf("%s never %s: %v", sg.members[i].Name(), st, err)
	}
}

func (sg *simGroup) uuid(i int) string { return sg.members[i].UUID() }

// router starts a router that knows only the first member and follows the group with the router's account.
func (sg *simGroup) router(tweak func(*Server)) *running {
	s := &Server{Members: []string{sg.keys[0]}, MemberXPort: memberXPort, User: routerUser,
		Password: routerPassword, Dialer: sg.dialer, PollInterval: 200 * time.Millisecond, Cluster: "db",
		MonitorTLS: sg.ca.Trust(),
		Namespace:  "ns"}
	if tweak != nil {
		tweak(s)
	}
	return startRouter(sg.t, s)
}

// client is one pinned classic connection through the router (go-sql-driver/mysql).
type client struct {
	db   *sql.DB
	conn *sql.Conn
}

func connect(t *testing.T, addr, params string) (*client, error) {
	t.Helper()
	db, err := sql.Open("mysql", fmt.Sprintf("root:%s@tcp(%s)/%s", rootPassword, addr, params))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = c.Close() })
	return &client{db: db, conn: c}, nil
}

func mustConnect(t *testing.T, addr string) *client {
	t.Helper()
	c, err := connect(t, addr, "")
	if err != nil {
		t.Fatalf("connect through %s: %v", addr, err)
	}
	return c
}

// server is the server_uuid of the member the connection reaches.
func (c *client) server() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var uuid string
	err := c.conn.QueryRowContext(ctx, "SELECT @@server_uuid").Scan(&uuid)
	return uuid, err
}

func (c *client) mustServer(t *testing.T) string {
	t.Helper()
	uuid, err := c.server()
	if err != nil {
		t.Fatalf("query through the router: %v", err)
	}
	return uuid
}

// pinTo opens RO connections until n of them reach the member with the given uuid.
func pinTo(t *testing.T, addr, uuid string, n int) []*client {
	t.Helper()
	var out []*client
	for tries := 0; len(out) < n; tries++ {
		if tries > 20*n {
			t.Fatalf("no RO connection reached %s", uuid)
		}
		c := mustConnect(t, addr)
		if c.mustServer(t) == uuid {
			out = append(out, c)
		}
	}
	return out
}

// xSession opens an X Protocol session through the router (TLS to the member: the router passes it through).
func xSession(t *testing.T, addr string) (*xprotocol.Session, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := xprotocol.Dial(ctx, addr, xprotocol.Config{User: "root", Password: rootPassword,
		TLSMode: xprotocol.TLSRequired, TLSConfig: &tls.Config{InsecureSkipVerify: true}}) //nolint:gosec
	if err == nil {
		t.Cleanup(func() { _ = s.Close() })
	}
	return s, err
}

func xServer(t *testing.T, s *xprotocol.Session) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.Execute(ctx, "SELECT @@server_uuid")
	if err != nil {
		return "", err
	}
	return res.Sets[0].Rows[0][0].String(), nil
}

// certOf returns the fingerprint of the certificate a TLS classic connection to addr is shown.
func certOf(t *testing.T, addr string) [32]byte {
	t.Helper()
	var seen [32]byte
	name := fmt.Sprintf("peek-%s", strings.NewReplacer(".", "-", ":", "-").Replace(addr))
	if err := registerTLS(name, func(raw []byte) { seen = sha256.Sum256(raw) }); err != nil {
		t.Fatal(err)
	}
	c, err := connect(t, addr, "?tls="+name)
	if err != nil {
		t.Fatalf("TLS connection through %s: %v", addr, err)
	}
	if _, err := c.server(); err != nil {
		t.Fatal(err)
	}
	return seen
}
