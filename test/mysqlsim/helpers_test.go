package mysqlsim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-operator/orca/test/peers"
)

const testGroupName = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"

// testSecond makes one simulated second last 2ms: the expel timeout (5 s) takes 10ms.
const testSecond = 2 * time.Millisecond

var (
	mariaOnce sync.Once
	maria     *peers.MariaDB
	mariaErr  error
	mariaDir  string
	dbCounter int
	dbMu      sync.Mutex
)

func TestMain(m *testing.M) {
	code := m.Run()
	if maria != nil {
		maria.Stop()
		_ = os.RemoveAll(mariaDir)
	}
	os.Exit(code)
}

// dataDSN starts (once per package run) the MariaDB that stands for the group's data and returns a
// DSN on a fresh database for this test. A missing mariadbd fails the test.
func dataDSN(t *testing.T) string {
	t.Helper()
	mariaOnce.Do(func() {
		mariaDir, mariaErr = os.MkdirTemp("", "orca-mysqlsim-")
		if mariaErr == nil {
			maria, mariaErr = peers.StartMariaDBIn(mariaDir)
		}
	})
	if mariaErr != nil {
		t.Fatalf("start MariaDB (run `make test-deps`): %v", mariaErr)
	}
	dbMu.Lock()
	dbCounter++
	name := fmt.Sprintf("sim%d", dbCounter)
	dbMu.Unlock()
	db, err := sql.Open("mysql", maria.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	return maria.DSN(name)
}

// dropDatabase removes a database the manual's examples create, so the test can run again.
func dropDatabase(t *testing.T, name string) {
	t.Helper()
	db, err := sql.Open("mysql", maria.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	if _, err := db.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
		t.Fatal(err)
	}
}

type testCluster struct {
	t       *testing.T
	g       *Group
	members []*Member
	clock   *fakeClock // nil: the wall clock at testSecond
}

// memberOptions is the my.cnf of the manual's "Configuring an Instance for Group Replication".
func memberOptions(i int) map[string]string {
	return map[string]string{
		"server_id":                                 fmt.Sprint(i + 1),
		"gtid_mode":                                 "ON",
		"enforce_gtid_consistency":                  "ON",
		"plugin_load_add":                           "group_replication.so,mysql_clone.so",
		"group_replication_group_name":              testGroupName,
		"group_replication_start_on_boot":           "OFF",
		"group_replication_local_address":           fmt.Sprintf("127.0.0.%d:33061", i+2),
		"group_replication_group_seeds":             "127.0.0.2:33061,127.0.0.3:33061,127.0.0.4:33061",
		"group_replication_bootstrap_group":         "OFF",
		"group_replication_recovery_get_public_key": "ON",
	}
}

func newCluster(t *testing.T, n int, dsn string, tweak func(i int, c *MemberConfig)) *testCluster {
	t.Helper()
	return newClusterWith(t, n, Config{Second: testSecond, DataDSN: dsn}, tweak)
}

// newFakeClockCluster runs the group on a fakeClock with one simulated second = time.Second: the
// test moves time with tc.clock.seconds.
func newFakeClockCluster(t *testing.T, n int, tweak func(i int, c *MemberConfig)) *testCluster {
	t.Helper()
	clock := newFakeClock()
	tc := newClusterWith(t, n, Config{Second: time.Second, Clock: clock}, tweak)
	tc.clock = clock
	return tc
}

func newClusterWith(t *testing.T, n int, cfg Config, tweak func(i int, c *MemberConfig)) *testCluster {
	t.Helper()
	g, err := NewGroup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	tc := &testCluster{t: t, g: g}
	for i := 0; i < n; i++ {
		cfg := MemberConfig{Name: fmt.Sprintf("m%d", i+1), Host: fmt.Sprintf("127.0.0.%d", i+2),
			ServerUUID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i+1), Options: memberOptions(i)}
		if tweak != nil {
			tweak(i, &cfg)
		}
		m, err := g.AddMember(cfg)
		if err != nil {
			t.Fatal(err)
		}
		tc.members = append(tc.members, m)
	}
	return tc
}

func (tc *testCluster) session(m *Member) *Session {
	tc.t.Helper()
	s, err := m.RootSession()
	if err != nil {
		tc.t.Fatalf("session on %s: %v", m.Name(), err)
	}
	tc.t.Cleanup(s.Close)
	return s
}

// exec runs SQL on a fresh root session and fails the test on error.
func (tc *testCluster) exec(m *Member, query string) []Result {
	tc.t.Helper()
	return tc.execIn(tc.session(m), query)
}

func (tc *testCluster) execIn(s *Session, query string) []Result {
	tc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rs, err := s.m.Exec(ctx, s, query)
	if err != nil {
		tc.t.Fatalf("%s: %q: %v", s.m.Name(), query, err)
	}
	return rs
}

// sqlError runs SQL that must fail and returns the server error.
func (tc *testCluster) sqlError(m *Member, query string) *Error {
	tc.t.Helper()
	s := tc.session(m)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := m.Exec(ctx, s, query)
	var se *Error
	if !errors.As(err, &se) {
		tc.t.Fatalf("%s: %q: want a server error, got %v", m.Name(), query, err)
	}
	return se
}

func (tc *testCluster) row(m *Member, query string) []any {
	tc.t.Helper()
	rs := tc.exec(m, query)
	if len(rs) != 1 || len(rs[0].Rows) != 1 {
		tc.t.Fatalf("%s: %q: want one row, got %+v", m.Name(), query, rs)
	}
	return rs[0].Rows[0]
}

func (tc *testCluster) waitFor(what string, cond func() bool) {
	tc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tc.g.WaitFor(ctx, cond); err != nil {
		tc.t.Fatalf("waiting for %s: %v", what, err)
	}
}

func (tc *testCluster) waitState(m *Member, st MemberState) {
	tc.t.Helper()
	tc.waitFor(m.Name()+" "+string(st), func() bool { return m.State() == st })
}

// bootstrap runs the manual's procedure: recovery user with sql_log_bin=0 on every member,
// bootstrap the first, START GROUP_REPLICATION on the others.
func (tc *testCluster) bootstrap() {
	tc.t.Helper()
	for _, m := range tc.members {
		tc.exec(m, "SET SQL_LOG_BIN=0; CREATE USER rpl_user@'%' IDENTIFIED BY 'password'; "+
			"GRANT REPLICATION SLAVE ON *.* TO rpl_user@'%'; GRANT CONNECTION_ADMIN ON *.* TO rpl_user@'%'; "+
			"GRANT BACKUP_ADMIN ON *.* TO rpl_user@'%'; GRANT GROUP_REPLICATION_STREAM ON *.* TO rpl_user@'%'; "+
			"FLUSH PRIVILEGES; SET SQL_LOG_BIN=1")
	}
	tc.exec(tc.members[0], "SET GLOBAL group_replication_bootstrap_group=ON; "+
		"START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'; SET GLOBAL group_replication_bootstrap_group=OFF")
	for _, m := range tc.members[1:] {
		tc.exec(m, "START GROUP_REPLICATION USER='rpl_user', PASSWORD='password'")
		tc.tick(1) // distributed recovery
	}
	for _, m := range tc.members {
		tc.waitState(m, StateOnline)
	}
}

// tick advances a fake clock by n simulated seconds (nothing on the wall clock).
func (tc *testCluster) tick(n float64) {
	if tc.clock != nil {
		tc.clock.seconds(n)
	}
}

func wantCode(t *testing.T, err *Error, code uint16, contains string) {
	t.Helper()
	if err.Code != code || !strings.Contains(err.Message, contains) {
		t.Fatalf("want error %d containing %q, got %d %q", code, contains, err.Code, err.Message)
	}
}

func logContains(m *Member, text string) bool {
	for _, l := range m.ErrorLog() {
		if strings.Contains(l.String(), text) {
			return true
		}
	}
	return false
}
