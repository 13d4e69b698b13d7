package mysqlsim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
)

func freePorts(t *testing.T, host string, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for i := 0; i < n; i++ {
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

// TestFrontendsServeClassicAndX runs two members on 127.0.0.2 and 127.0.0.3 and talks to them with
// go-sql-driver/mysql (classic) and the X Protocol client: accounts, the prober's statements, GR
// notices pushed to X sessions, and a crash that closes the listeners until the restart.
func TestFrontendsServeClassicAndX(t *testing.T) {
	tc := newCluster(t, 2, dataDSN(t), func(i int, c *MemberConfig) {
		ports := freePorts(t, c.Host, 2)
		c.Port, c.XPort, c.RootPassword = ports[0], ports[1], "rootpw"
	})
	fe := &Frontends{Group: tc.g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	defer fe.Shutdown()
	m1, m2 := tc.members[0], tc.members[1]
	classicAddr, xAddr, _ := fe.Addrs(m1)

	// Parameters interpolated client-side (COM_QUERY); frontend_stmt_test.go covers prepared statements.
	db, err := sql.Open("mysql", fmt.Sprintf("root:rootpw@tcp(%s)/?interpolateParams=true", classicAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	db.SetMaxIdleConns(0)
	if err := db.Ping(); err != nil {
		t.Fatalf("classic login: %v", err)
	}
	if _, err := sql.Open("mysql", ""); err != nil {
		t.Fatal(err)
	}
	bad, _ := sql.Open("mysql", fmt.Sprintf("root:wrong@tcp(%s)/", classicAddr))
	if err := bad.Ping(); err == nil {
		t.Fatal("wrong password accepted")
	}
	_ = bad.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	xs, err := xprotocol.Dial(ctx, xAddr, xprotocol.Config{User: "root", Password: "rootpw"})
	if err != nil {
		t.Fatalf("x login: %v", err)
	}
	defer func() { _ = xs.Close() }()
	if err := xs.EnableNotices(ctx, "group_replication/membership/view", "group_replication/status/state_change",
		"group_replication/status/role_change", "group_replication/membership/quorum_loss"); err != nil {
		t.Fatal(err)
	}
	tc.bootstrap()

	got := map[wire.GRChange]string{}
	for len(got) < 3 {
		select {
		case n := <-xs.Notices():
			gr, err := n.GroupReplicationStateChanged()
			if err == nil {
				got[gr.Type] = gr.ViewID
			}
		case <-ctx.Done():
			t.Fatalf("X notices: got %v", got)
		}
	}
	res, err := xs.Execute(ctx, "SELECT @@server_uuid, @@gtid_executed, @@super_read_only, @@version")
	if err != nil {
		t.Fatal(err)
	}
	row := res.Sets[0].Rows[0]
	if row[0].String() != m1.UUID() || row[3].String() != "8.4.6" {
		t.Fatalf("x prober row %v", row)
	}
	if _, err := xs.Execute(ctx, "SET @@mysqlx_wait_timeout = 28800"); err != nil {
		t.Fatal(err)
	}

	var state string
	if err := db.QueryRow("SELECT MEMBER_STATE FROM performance_schema.replication_group_members WHERE MEMBER_ID = ?",
		m2.UUID()).Scan(&state); err != nil || state != "ONLINE" {
		t.Fatalf("classic prober: %q %v", state, err)
	}
	if _, err := db.Exec("CREATE TABLE ft (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	c2, x2, _ := fe.Addrs(m2)
	db2, _ := sql.Open("mysql", fmt.Sprintf("root:rootpw@tcp(%s)/", c2))
	defer func() { _ = db2.Close() }()
	_, err = db2.Exec("INSERT INTO ft VALUES (1)")
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1290 {
		t.Fatalf("write on the secondary: %v", err)
	}

	m2.Crash()
	tc.waitFor("listeners closed", func() bool { _, _, ok := fe.Addrs(m2); return !ok })
	if conn, err := net.DialTimeout("tcp", x2, time.Second); err == nil {
		_ = conn.Close()
		t.Fatal("crashed member still accepts X connections")
	}
	if err := m2.Restart(); err != nil {
		t.Fatal(err)
	}
	tc.waitFor("listeners reopened", func() bool { _, _, ok := fe.Addrs(m2); return ok })
	if err := db2.Ping(); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}
