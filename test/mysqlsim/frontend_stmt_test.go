package mysqlsim

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// stmtCluster is a bootstrapped two-member group behind Frontends: m1 the primary, m2 a secondary.
type stmtCluster struct {
	*testCluster
	fe     *Frontends
	dsn    string // the test's database on MariaDB
	schema string
}

func newStmtCluster(t *testing.T) *stmtCluster {
	t.Helper()
	dsn := dataDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	tc := newCluster(t, 2, dsn, func(i int, c *MemberConfig) {
		ports := freePorts(t, c.Host, 2)
		c.Port, c.XPort, c.RootPassword = ports[0], ports[1], "rootpw"
	})
	fe := &Frontends{Group: tc.g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fe.Shutdown)
	tc.bootstrap()
	return &stmtCluster{testCluster: tc, fe: fe, dsn: dsn, schema: cfg.DBName}
}

// open connects go-sql-driver to a member's classic port with its defaults: no interpolateParams, so every
// query with arguments is a server-side prepared statement.
func (sc *stmtCluster) open(m *Member, user, password string) *sql.DB {
	sc.t.Helper()
	addr, _, ok := sc.fe.Addrs(m)
	if !ok {
		sc.t.Fatalf("%s has no listener", m.Name())
	}
	db, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/%s?parseTime=true", user, password, addr, sc.schema))
	if err != nil {
		sc.t.Fatal(err)
	}
	sc.t.Cleanup(func() { _ = db.Close() })
	return db
}

// mariaDB reads the data store directly, bypassing the simulator.
func (sc *stmtCluster) mariaDB() *sql.DB {
	sc.t.Helper()
	db, err := sql.Open("mysql", sc.dsn)
	if err != nil {
		sc.t.Fatal(err)
	}
	sc.t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestPreparedStatementsReachMariaDB(t *testing.T) {
	sc := newStmtCluster(t)
	m1, m2 := sc.members[0], sc.members[1]
	db := sc.open(m1, "root", "rootpw")
	if _, err := db.Exec("CREATE TABLE pt (id INT PRIMARY KEY, s VARCHAR(50), b VARBINARY(50), f DOUBLE, " +
		"n INT NULL, t DATETIME(6))"); err != nil {
		t.Fatal(err)
	}
	before := m1.GTIDExecuted().Count()
	when := time.Date(2024, 5, 17, 10, 20, 30, 123456000, time.UTC)
	blob := []byte{0, 0xff, 'x', 0, 0xfe}
	insert := "INSERT INTO pt VALUES (?, ?, ?, ?, ?, ?)"
	if _, err := db.Exec(insert, 1, "héllo", blob, 2.5, nil, when); err != nil {
		t.Fatalf("prepared INSERT: %v", err)
	}
	if _, err := db.Exec(insert, 2, "two", []byte{}, -1e300, 7, when.Add(time.Hour)); err != nil {
		t.Fatalf("prepared INSERT: %v", err)
	}
	res, err := db.Exec("UPDATE pt SET s = ?, f = ? WHERE id = ?", "updated", 3.25, 1)
	if err != nil {
		t.Fatalf("prepared UPDATE: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("UPDATE affected %d rows", n)
	}
	if got := m1.GTIDExecuted().Count() - before; got != 3 {
		t.Fatalf("3 autocommitted writes got %d GTIDs", got)
	}

	// The rows are in MariaDB ...
	want := ptRow(1, "updated", blob, 3.25, false, when)
	checkPTRow(t, sc.mariaDB(), "SELECT id, s, b, f, n, t FROM pt WHERE id = 1", want)
	// ... and a prepared SELECT through the simulator reads the same, in the binary protocol, as does the
	// text protocol.
	checkPTRow(t, db, "SELECT id, s, b, f, n, t FROM pt WHERE id = ?", want, 1)
	checkPTRow(t, db, "SELECT id, s, b, f, n, t FROM pt WHERE id = 1", want)
	checkPTRow(t, db, "SELECT id, s, b, f, n, t FROM pt WHERE id = ? AND t > ?",
		ptRow(2, "two", []byte{}, -1e300, true, when.Add(time.Hour)), 2, when)

	// Errors keep their codes, at prepare (unknown table) and at execution (duplicate key).
	_, err = db.Prepare("SELECT * FROM nope WHERE id = ?")
	wantMySQLError(t, err, 1146, "42S02")
	_, err = db.Exec(insert, 1, "dup", nil, 0, nil, when)
	wantMySQLError(t, err, 1062, "23000")
	_, err = db.Exec("SELECT 1; SELECT ?", 1)
	wantMySQLError(t, err, 1064, "42000")

	// A secondary refuses writes with super_read_only, prepared or not.
	_, err = sc.open(m2, "root", "rootpw").Exec(insert, 3, "x", nil, 0, nil, when)
	wantMySQLError(t, err, 1290, "HY000")
}

func checkPTRow(t *testing.T, db *sql.DB, query, want string, args ...any) {
	t.Helper()
	var (
		id int
		s  string
		b  []byte
		f  float64
		n  sql.NullInt64
		ts time.Time
	)
	if err := db.QueryRow(query, args...).Scan(&id, &s, &b, &f, &n, &ts); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if got := ptRow(id, s, b, f, n.Valid, ts); got != want || b == nil {
		t.Fatalf("%s:\n got %s\nwant %s", query, got, want)
	}
}

func ptRow(id int, s string, b []byte, f float64, notNull bool, ts time.Time) string {
	return fmt.Sprintf("%d|%s|%x|%g|%v|%s", id, s, b, f, notNull, ts.UTC().Format(time.RFC3339Nano))
}

func wantMySQLError(t *testing.T, err error, code uint16, state string) {
	t.Helper()
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != code || string(me.SQLState[:]) != state {
		t.Fatalf("want error %d (%s), got %v", code, state, err)
	}
}

// Admin statements prepare too: the simulator answers them with the arguments written in as literals.
func TestPreparedAdminStatements(t *testing.T) {
	sc := newStmtCluster(t)
	m1, m2 := sc.members[0], sc.members[1]
	db := sc.open(m1, "root", "rootpw")
	var state string
	if err := db.QueryRow("SELECT MEMBER_STATE FROM performance_schema.replication_group_members "+
		"WHERE MEMBER_ID = ?", m2.UUID()).Scan(&state); err != nil || state != "ONLINE" {
		t.Fatalf("prepared performance_schema SELECT: %q %v", state, err)
	}
	stmt, err := db.Prepare("SELECT @@server_uuid, @@super_read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	var uuid string
	var sro int
	if err := stmt.QueryRow().Scan(&uuid, &sro); err != nil || uuid != m1.UUID() || sro != 0 {
		t.Fatalf("prepared @@variables: %q %d %v", uuid, sro, err)
	}
	if _, err := db.Exec("SET GLOBAL group_replication_member_weight = ?", 70); err != nil {
		t.Fatal(err)
	}
	if v, _ := m1.Var("group_replication_member_weight"); v != "70" {
		t.Fatalf("member weight %q after a prepared SET", v)
	}
	_, err = db.Exec("SET GLOBAL group_replication_member_weight = ?", "heavy")
	wantMySQLError(t, err, 1232, "42000")
}

// Inside an explicit transaction prepared writes commit once, with one GTID; a rollback leaves MariaDB
// unchanged.
func TestPreparedWritesInTransactions(t *testing.T) {
	sc := newStmtCluster(t)
	m1 := sc.members[0]
	db := sc.open(m1, "root", "rootpw")
	if _, err := db.Exec("CREATE TABLE tx (id INT PRIMARY KEY, v VARBINARY(10))"); err != nil {
		t.Fatal(err)
	}
	before := m1.GTIDExecuted().Count()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := tx.Exec("INSERT INTO tx VALUES (?, ?)", i, []byte{byte(i), 0xff}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := m1.GTIDExecuted().Count() - before; got != 1 {
		t.Fatalf("one transaction got %d GTIDs", got)
	}
	tx, _ = db.Begin()
	if _, err := tx.Exec("DELETE FROM tx WHERE id = ?", 2); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback()
	var n int
	var v []byte
	if err := sc.mariaDB().QueryRow("SELECT COUNT(*), MAX(v) FROM tx").Scan(&n, &v); err != nil || n != 3 ||
		!bytes.Equal(v, []byte{3, 0xff}) {
		t.Fatalf("MariaDB has %d rows, max %q: %v", n, v, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if got := m1.GTIDExecuted().Count() - before; got != 1 || ctx.Err() != nil {
		t.Fatalf("the rollback must not take a GTID: %d", got)
	}
}

// COM_RESET_CONNECTION and COM_CHANGE_USER (which go-sql-driver never sends) on a member: the session's user
// variables, settings, open transaction and prepared statements go; the default schema stays (reset) or is
// the one the packet names (change user); CURRENT_USER() follows the new login.
func TestResetConnectionAndChangeUserOnMember(t *testing.T) {
	sc := newStmtCluster(t)
	addr, _, _ := sc.fe.Addrs(sc.members[0])
	c := dialRawClassic(t, addr, "root", "rootpw", sc.schema)
	c.query("CREATE TABLE rs (id INT PRIMARY KEY)")
	c.query("SET @x = 5")
	c.query("SET SESSION autocommit = 0")
	c.query("INSERT INTO rs VALUES (1)")
	if v := c.value("SELECT @x"); v != "5" {
		t.Fatalf("@x = %s", v)
	}
	c.prepare("SELECT ?")

	if p := c.command(0x1f, nil); p[0] != 0x00 {
		t.Fatalf("COM_RESET_CONNECTION: %q", p)
	}
	for query, want := range map[string]string{"SELECT @x": "NULL", "SELECT @@autocommit": "1",
		"SELECT DATABASE()": sc.schema, "SELECT COUNT(*) FROM rs": "0"} {
		if v := c.value(query); v != want {
			t.Errorf("after COM_RESET_CONNECTION %s = %s, want %s", query, v, want)
		}
	}
	execute := []byte{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0xfd, 0, 1, 'a'}
	if p := c.command(0x17, execute); p[0] != 0xff || binary.LittleEndian.Uint16(p[1:]) != 1243 {
		t.Fatalf("a statement prepared before the reset: %q", p)
	}

	// COM_INIT_DB is USE: the data store's connection switches too, and DATABASE() follows.
	other := sc.schema + "_initdb"
	t.Cleanup(func() { dropDatabase(t, other) })
	c.query("CREATE DATABASE " + other)
	if p := c.command(0x02, []byte(other)); p[0] != 0x00 {
		t.Fatalf("COM_INIT_DB: %q", p)
	}
	c.query("CREATE TABLE in_other (id INT)")
	if v := c.value("SELECT DATABASE()"); v != other {
		t.Fatalf("DATABASE() after COM_INIT_DB = %s", v)
	}
	var n int
	if err := sc.mariaDB().QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? "+
		"AND table_name = 'in_other'", other).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the table created after COM_INIT_DB is not in MariaDB's %s: %d %v", other, n, err)
	}
	if p := c.command(0x02, []byte("nope_db")); p[0] != 0xff || binary.LittleEndian.Uint16(p[1:]) != 1049 {
		t.Fatalf("COM_INIT_DB to a missing schema: %q", p)
	}
	if p := c.command(0x02, []byte(sc.schema)); p[0] != 0x00 {
		t.Fatalf("COM_INIT_DB back: %q", p)
	}

	c.query("CREATE USER app@'%' IDENTIFIED BY 'apppw'")
	c.query("SET @y = 1")
	if p := c.changeUser("app", "apppw", sc.schema); p[0] != 0x00 {
		t.Fatalf("COM_CHANGE_USER: %q", p)
	}
	for query, want := range map[string]string{"SELECT CURRENT_USER()": "app@%", "SELECT @y": "NULL",
		"SELECT DATABASE()": sc.schema} {
		if v := c.value(query); v != want {
			t.Errorf("after COM_CHANGE_USER %s = %s, want %s", query, v, want)
		}
	}
	if p := c.changeUser("root", "wrong", ""); p[0] != 0xff || binary.LittleEndian.Uint16(p[1:]) != 1045 {
		t.Fatalf("COM_CHANGE_USER with a wrong password: %q", p)
	}
	if _, err := c.tryRead(); err == nil {
		t.Fatal("connection still open after a failed COM_CHANGE_USER")
	}
}

// COM_STMT_PREPARE_OK announces the columns of a query MariaDB can describe (sysbench 1.0 decides there
// whether a statement reads) and none for SHOW, writes and admin statements.
func TestPrepareAnnouncesColumns(t *testing.T) {
	sc := newStmtCluster(t)
	addr, _, _ := sc.fe.Addrs(sc.members[0])
	c := dialRawClassic(t, addr, "root", "rootpw", sc.schema)
	c.query("CREATE TABLE pc (id INT PRIMARY KEY, c CHAR(10), d DATETIME)")
	for sql, want := range map[string][2]int{
		"SELECT c, d FROM pc WHERE id BETWEEN ? AND ? -- comment": {2, 2},
		"SELECT * FROM pc":                         {0, 3},
		"SELECT a.id, b.id FROM pc a JOIN pc b":    {0, 0}, // duplicate names: cannot be described
		"SELECT c FROM pc WHERE id = ? FOR UPDATE": {1, 0},
		"SHOW TABLES":                              {0, 0},
		"UPDATE pc SET c = ? WHERE id = ?":         {2, 0},
		"SELECT @@server_uuid, ?":                  {1, 0},
	} {
		params, cols := c.prepare(sql)
		if params != want[0] || cols != want[1] {
			t.Errorf("%s: %d parameters and %d columns, want %v", sql, params, cols, want)
		}
	}
}
