package mysqlsim

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// TestSysbenchOLTPReadWrite runs Debian's sysbench 1.0.20 (libmariadb) in its default mode, server-side
// prepared statements, against the primary of a single-member group: prepare two tables of 1000 rows,
// five seconds of oltp_read_write on two threads, cleanup. A missing sysbench fails: CI installs it
// (hack/peers.sh).
func TestSysbenchOLTPReadWrite(t *testing.T) {
	bin, err := exec.LookPath("sysbench")
	if err != nil {
		t.Fatalf("sysbench not installed: run `make test-deps` (hack/peers.sh): %v", err)
	}
	dsn := dataDSN(t)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	tc := newCluster(t, 1, dsn, func(i int, c *MemberConfig) {
		ports := freePorts(t, c.Host, 2)
		c.Port, c.XPort, c.RootPassword = ports[0], ports[1], "rootpw"
	})
	fe := &Frontends{Group: tc.g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	defer fe.Shutdown()
	tc.bootstrap()
	addr, _, _ := fe.Addrs(tc.members[0])
	warmAuthCache(t, addr)
	host, port, _ := net.SplitHostPort(addr)
	sysbench := func(args ...string) string {
		t.Helper()
		base := []string{"oltp_read_write", "--mysql-host=" + host, "--mysql-port=" + port, "--mysql-user=root",
			"--mysql-password=rootpw", "--mysql-db=" + cfg.DBName, "--tables=2", "--table-size=1000",
			"--verbosity=5"} // debug: fallbacks to emulation and the codes of ignored errors
		return runSysbench(t, bin, append(base, args...)...)
	}

	sysbench("prepare")
	maria, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = maria.Close() }()
	for _, table := range []string{"sbtest1", "sbtest2"} {
		var n int
		if err := maria.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil || n != 1000 {
			t.Fatalf("MariaDB %s.%s after prepare: %d rows, %v", cfg.DBName, table, n, err)
		}
	}

	// Uniform keys: the default "special" distribution piles both threads onto a few rows, where InnoDB
	// (MariaDB's, as a real MySQL's) reports the odd deadlock that sysbench retries.
	out := sysbench("--time=5", "--threads=2", "--rand-type=uniform", "run")
	if strings.Contains(out, "using emulation") {
		t.Fatalf("sysbench fell back to client-side statements:\n%s", out)
	}
	stats := sysbenchStats(t, out)
	deadlocks := strings.Count(out, "Ignoring error 1213 ")
	t.Logf("sysbench run: %d transactions (%.1f/s), %d queries, %d ignored errors (%d deadlocks), %d reconnects",
		stats["transactions"], float64(stats["transactions"])/5, stats["queries"], stats["ignored errors"],
		deadlocks, stats["reconnects"])
	if stats["transactions"] == 0 || stats["ignored errors"] != deadlocks || stats["reconnects"] != 0 {
		t.Fatalf("sysbench run: %v\n%s", stats, out)
	}

	sysbench("cleanup")
	var left int
	if err := maria.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? "+
		"AND table_name LIKE 'sbtest%'", cfg.DBName).Scan(&left); err != nil || left != 0 {
		t.Fatalf("after cleanup %d sbtest tables remain (%v)", left, err)
	}
}

// warmAuthCache logs root in once with go-sql-driver, which does caching_sha2_password's RSA exchange, so
// libmariadb (whose GnuTLS build cannot) takes the fast path, as it would against a real MySQL 8.4 that
// root logged in to before.
func warmAuthCache(t *testing.T, addr string) {
	t.Helper()
	db, err := sql.Open("mysql", fmt.Sprintf("root:rootpw@tcp(%s)/", addr))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if err := db.Ping(); err != nil {
		t.Fatalf("warm the auth cache: %v", err)
	}
}

func runSysbench(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("sysbench %s: %v\n%s", args[len(args)-1], err, out.String())
	}
	return out.String()
}

var sysbenchStat = regexp.MustCompile(`(?m)^\s+(transactions|queries|ignored errors|reconnects):\s+(\d+)`)

func sysbenchStats(t *testing.T, out string) map[string]int {
	t.Helper()
	stats := map[string]int{}
	for _, m := range sysbenchStat.FindAllStringSubmatch(out, -1) {
		stats[m[1]], _ = strconv.Atoi(m[2])
	}
	if len(stats) != 4 {
		t.Fatalf("sysbench output without its statistics:\n%s", out)
	}
	return stats
}
