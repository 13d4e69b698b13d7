package mysqlsim

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// DATE, TIME and DATETIME read from MariaDB come back as MySQL prints them, with the column's fractional
// digits, in the text protocol and (decoded by go-sql-driver from binary rows) through prepared statements.
func TestTemporalColumnsInBothProtocols(t *testing.T) {
	sc := newStmtCluster(t)
	addr, _, _ := sc.fe.Addrs(sc.members[0])
	db, err := sql.Open("mysql", fmt.Sprintf("root:rootpw@tcp(%s)/%s", addr, sc.schema)) // no parseTime: text
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := db.Exec("CREATE TABLE tt (id INT, d DATE, t TIME(1), dt DATETIME(3), z DATETIME)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO tt VALUES (1, '2024-05-17', '-12:34:56.5', '2024-05-17 10:20:30.12', " +
		"'2024-02-29 23:59:59')"); err != nil {
		t.Fatal(err)
	}
	want := "2024-05-17|-12:34:56.5|2024-05-17 10:20:30.120|2024-02-29 23:59:59"
	for name, query := range map[string]func() *sql.Row{
		"text":     func() *sql.Row { return db.QueryRow("SELECT d, t, dt, z FROM tt WHERE id = 1") },
		"prepared": func() *sql.Row { return db.QueryRow("SELECT d, t, dt, z FROM tt WHERE id = ?", 1) },
	} {
		v := make([]string, 4)
		if err := query().Scan(&v[0], &v[1], &v[2], &v[3]); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := strings.Join(v, "|"); got != want {
			t.Errorf("%s protocol: %s, want %s", name, got, want)
		}
	}
}
