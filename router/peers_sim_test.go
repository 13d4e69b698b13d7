package router

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/peers"
)

// connectorDir holds the official Connector/Node.js that test/xconformance pins (hack/npm.sh installs it).
const connectorDir = "../test/xconformance"

func requireConnector(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found: run make test-deps (hack/npm.sh): %v", err)
	}
	if _, err := os.Stat(connectorDir + "/node_modules/@mysql/xdevapi/package.json"); err != nil {
		t.Fatalf("@mysql/xdevapi not installed in test/xconformance: run make test-deps (hack/npm.sh): %v", err)
	}
}

type nodeStep struct {
	SQL  string `json:"sql,omitempty"`
	Args []any  `json:"args,omitempty"`
}

type nodeOutput struct {
	OK    bool `json:"ok"`
	Error *struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Steps []struct {
		Sets []struct {
			Rows [][]json.RawMessage `json:"rows"`
		} `json:"sets"`
		Affected int `json:"affected"`
		Error    *struct {
			Message string `json:"message"`
		} `json:"error"`
	} `json:"steps"`
}

// runNode runs test/xconformance/client.js (the official connector) against addr with TLS, as root.
func runNode(t *testing.T, addr string, steps ...nodeStep) nodeOutput {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	spec, _ := json.Marshal(map[string]any{"steps": steps, "connect": map[string]any{"host": host, "port": p,
		"user": "root", "password": rootPassword, "tls": map[string]bool{"enabled": true}}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "client.js", string(spec))
	cmd.Dir = connectorDir
	out, err := cmd.Output()
	var o nodeOutput
	if jerr := json.Unmarshal(out, &o); jerr != nil {
		t.Fatalf("node client.js: %v / %v\n%s", err, jerr, out)
	}
	return o
}

func nodeRow(t *testing.T, o nodeOutput, step int) string {
	t.Helper()
	if !o.OK || len(o.Steps) <= step || o.Steps[step].Error != nil || len(o.Steps[step].Sets) == 0 ||
		len(o.Steps[step].Sets[0].Rows) == 0 {
		t.Fatalf("connector output %+v", o)
	}
	b, _ := json.Marshal(o.Steps[step].Sets[0].Rows[0])
	return string(b)
}

// The official MySQL Connector/Node.js through the X ports: TLS and PLAIN to the simulated primary through
// the RW port (data in MariaDB), reads on a secondary through RO, and the router's 2003 once quorum is lost.
func TestConnectorNodeThroughTheXPortsOnSimulator(t *testing.T) {
	requireConnector(t)
	maria := peers.StartMariaDB(t)
	sg := newSimGroup(t, 3, "127.0.49.", mysqlsim.Config{DataDSN: maria.DSN("")})
	sg.bootstrap()
	r := sg.router(nil)
	waitTable(t, r.s, "group", func(tab Table) bool { return len(tab.ReadOnly) == 2 })
	o := runNode(t, r.addr[XRW], nodeStep{SQL: "SELECT @@server_uuid"}, nodeStep{SQL: "CREATE DATABASE orca_rt"},
		nodeStep{SQL: "CREATE TABLE orca_rt.t (id INT PRIMARY KEY, v VARCHAR(40))"},
		nodeStep{SQL: "INSERT INTO orca_rt.t VALUES (?, ?)", Args: []any{1, "through the router"}})
	if got := nodeRow(t, o, 0); got != `["`+sg.uuid(0)+`"]` || o.Steps[3].Affected != 1 {
		t.Fatalf("X RW reached %s, insert affected %d", got, o.Steps[3].Affected)
	}
	o = runNode(t, r.addr[XRO], nodeStep{SQL: "SELECT @@server_uuid"}, nodeStep{SQL: "SELECT v FROM orca_rt.t"})
	if got := nodeRow(t, o, 0); got == `["`+sg.uuid(0)+`"]` || nodeRow(t, o, 1) != `["through the router"]` {
		t.Fatalf("X RO reached %s", got)
	}
	sg.members[1].Crash()
	sg.members[2].Crash()
	waitTable(t, r.s, "quorum lost", func(tab Table) bool { return tab.Verdict == VerdictQuorumLost })
	o = runNode(t, r.addr[XRW], nodeStep{SQL: "SELECT 1"})
	if o.OK || o.Error == nil || o.Error.Code == nil || *o.Error.Code != codeCantConnect ||
		!strings.Contains(o.Error.Message, "lost quorum") {
		t.Fatalf("the connector without quorum: %+v", o)
	}
}

var sysbenchStat = regexp.MustCompile(`(?m)^\s+(transactions|queries|ignored errors|reconnects):\s+(\d+)`)

func runSysbench(t *testing.T, args ...string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "sysbench", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("sysbench %s: %v\n%s", args[len(args)-1], err, out.String())
	}
	stats := map[string]int{}
	for _, m := range sysbenchStat.FindAllStringSubmatch(out.String(), -1) {
		stats[m[1]], _ = strconv.Atoi(m[2])
	}
	if args[len(args)-1] == "run" && (len(stats) != 4 || strings.Contains(out.String(), "using emulation")) {
		t.Fatalf("sysbench run output:\n%s", out.String())
	}
	return stats
}

// sysbench 1.0.20 (Debian, libmariadb, server-side prepared statements) through the router to simulated
// members: prepare and oltp_read_write on the RW port (the primary), oltp_read_only on the RO port.
func TestSysbenchThroughTheRouterOnSimulator(t *testing.T) {
	if _, err := exec.LookPath("sysbench"); err != nil {
		t.Fatalf("sysbench not installed: run `make test-deps` (hack/peers.sh): %v", err)
	}
	maria := peers.StartMariaDB(t)
	direct, err := sql.Open("mysql", maria.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = direct.Close() }()
	if _, err := direct.Exec("CREATE DATABASE sb"); err != nil {
		t.Fatal(err)
	}
	sg := newSimGroup(t, 3, "127.0.50.", mysqlsim.Config{DataDSN: maria.DSN("sb")})
	sg.bootstrap()
	r := sg.router(nil)
	waitTable(t, r.s, "group", func(tab Table) bool { return len(tab.ReadOnly) == 2 })
	for _, m := range sg.members { // libmariadb (GnuTLS) cannot do caching_sha2's RSA step: warm each cache
		addr, _, _ := sg.fe.Addrs(m)
		mustConnect(t, addr).mustServer(t)
	}
	base := func(workload string, route Route) []string {
		_, port, _ := net.SplitHostPort(r.addr[route])
		return []string{workload, "--mysql-host=127.0.0.1", "--mysql-port=" + port, "--mysql-user=root",
			"--mysql-password=" + rootPassword, "--mysql-db=sb", "--tables=2", "--table-size=1000",
			"--rand-type=uniform", "--verbosity=5"}
	}
	runSysbench(t, append(base("oltp_read_write", ClassicRW), "prepare")...)
	rw := runSysbench(t, append(base("oltp_read_write", ClassicRW), "--time=4", "--threads=2", "run")...)
	ro := runSysbench(t, append(base("oltp_read_only", ClassicRO), "--time=3", "--threads=2", "run")...)
	t.Logf("through the router: read_write %v, read_only %v", rw, ro)
	if rw["transactions"] == 0 || rw["reconnects"] != 0 || ro["transactions"] == 0 || ro["ignored errors"] != 0 {
		t.Fatalf("read_write %v read_only %v", rw, ro)
	}
	for i := 1; i <= 2; i++ {
		if r.counter(t, "opened", "classic_ro", sg.keys[i]) == 0 {
			t.Fatalf("no read-only sysbench connection reached secondary %s", sg.keys[i])
		}
	}
}
