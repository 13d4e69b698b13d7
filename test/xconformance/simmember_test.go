package xconformance

import (
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/peers"
)

// The official Connector/Node.js logs in to a simulated MySQL 8.4 member's X Protocol port (TLS + PLAIN for a
// caching_sha2_password account, as against a real 8.4), runs SQL that the simulator forwards to the real
// MariaDB, and reads the rows back; the rows are then read from MariaDB directly.
func TestNodeOnSimulatedMemberReachesMariaDB(t *testing.T) {
	requireConnector(t)
	maria := peers.StartMariaDB(t)
	g, err := mysqlsim.NewGroup(mysqlsim.Config{Second: 5 * time.Millisecond, DataDSN: maria.DSN("")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = g.Close() }()
	m, err := g.AddMember(mysqlsim.MemberConfig{Name: "db-0", Host: "127.0.0.91", Port: 23306, XPort: 23360,
		Version: "8.4.3", RootPassword: "root-Pw1"})
	if err != nil {
		t.Fatal(err)
	}
	fe := &mysqlsim.Frontends{Group: g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	defer fe.Shutdown()
	if _, _, ok := fe.Addrs(m); !ok {
		t.Fatal("member not served")
	}
	c := nodeConnect{Host: "127.0.0.91", Port: 23360, User: "root", Password: "root-Pw1",
		TLS: map[string]bool{"enabled": true}}
	o := runNode(t, c,
		nodeStep{SQL: "SELECT @@version"},
		nodeStep{SQL: "CREATE DATABASE orca_x"},
		nodeStep{SQL: "CREATE TABLE orca_x.t (id INT PRIMARY KEY, v VARCHAR(40))"},
		nodeStep{SQL: "INSERT INTO orca_x.t VALUES (?, ?)", Args: []any{7, "from node"}},
		nodeStep{SQL: "SELECT id, v FROM orca_x.t"},
	)
	if !o.OK || len(o.Steps) != 5 {
		t.Fatalf("connector failed: %+v", o)
	}
	for i, s := range o.Steps {
		if s.Error != nil {
			t.Fatalf("step %d failed: %+v", i, *s.Error)
		}
	}
	if got := rawRow(t, o.Steps[0]); got != `["8.4.3"]` {
		t.Fatalf("@@version %s: not answered by the simulated MySQL 8.4 member", got)
	}
	if o.Steps[3].Affected != 1 {
		t.Fatalf("insert affected %d rows", o.Steps[3].Affected)
	}
	if got := rawRow(t, o.Steps[4]); got != `[7,"from node"]` {
		t.Fatalf("row read back through the member: %s", got)
	}
	db, err := sql.Open("mysql", maria.DSN("orca_x"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var v string
	if err := db.QueryRow("SELECT v FROM t WHERE id = 7").Scan(&v); err != nil || v != "from node" {
		t.Fatalf("row in MariaDB: %q %v", v, err)
	}
}

func rawRow(t *testing.T, r nodeResult) string {
	t.Helper()
	if len(r.Sets) == 0 || len(r.Sets[0].Rows) == 0 {
		t.Fatalf("no rows in %+v", r)
	}
	b, err := json.Marshal(r.Sets[0].Rows[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
