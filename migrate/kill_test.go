package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
)

// The kill test runs the runner (migrate.Run: clone, Lease, apply) as a child process of the test binary, which
// SIGKILLs itself at a chosen statement, before its transaction or after the statement ran but before it was
// committed or recorded. Environment of the child:
const (
	childEnv     = "ORCA_MIGRATE_TEST_CHILD" // "1" makes the test binary a runner
	childDSN     = "ORCA_MIGRATE_TEST_DSN"
	childRepo    = "ORCA_MIGRATE_TEST_REPO"
	childCommit  = "ORCA_MIGRATE_TEST_COMMIT"
	childLease   = "ORCA_MIGRATE_TEST_LEASE"
	childCrashAt = "ORCA_MIGRATE_TEST_CRASH_AT" // "<n>:before" or "<n>:after", n counted from 1 in this process
	// killsEnv sets how many kills TestRunnerKilledAtRandomStatements makes (default 8; make test-migrate-kills
	// makes 100).
	killsEnv = "ORCA_MIGRATE_KILLS"
)

// helperMain runs the runner when the test binary is started as a child; false otherwise.
func helperMain() bool {
	if os.Getenv(childEnv) != "1" {
		return false
	}
	if err := runChild(); err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(1)
	}
	os.Exit(0)
	return true
}

func runChild() error {
	k, err := kubeClientFrom(os.Getenv("KUBECONFIG"))
	if err != nil {
		return err
	}
	db, err := sql.Open("mysql", os.Getenv(childDSN))
	if err != nil {
		return err
	}
	at, point, _ := strings.Cut(os.Getenv(childCrashAt), ":")
	crashAt, _ := strconv.Atoi(at)
	n := 0
	crash := func(p string) func(File, int) {
		return func(File, int) {
			if p == "before" {
				n++
			}
			if n == crashAt && p == point {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
	}
	dir, err := os.MkdirTemp("", "orca-migrate-src-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	_, err = Run(context.Background(), Config{
		Source: Source{URL: os.Getenv(childRepo), Commit: os.Getenv(childCommit)}, Path: "migrations",
		WorkDir: filepath.Join(dir, "src"), DB: db, Run: "kill-test", Log: logr.Discard(),
		Lease:           &Lease{Client: k, Namespace: "default", Name: os.Getenv(childLease), Holder: "migrate-pod"},
		BeforeStatement: crash("before"), AfterStatement: crash("after"),
	})
	return err
}

// killFiles are the migrations of the kill test: DDL and DML mixed, and DML that is not idempotent (a counter,
// rows without a unique key) so a statement applied twice shows.
func killFiles() map[string]string {
	var v2, v3 strings.Builder
	for i := range 10 {
		fmt.Fprintf(&v2, "INSERT INTO log (marker) VALUES ('V2-%d');\nUPDATE counter SET n = n + 1;\n", i)
		if i%3 == 2 {
			fmt.Fprintf(&v2, "ALTER TABLE log ADD COLUMN c%d INT NULL;\n", i)
		}
	}
	v3.WriteString("CREATE INDEX log_marker ON log (marker);\nDELIMITER //\n" +
		"CREATE PROCEDURE bump() BEGIN UPDATE counter SET n = n + 100; END//\nDELIMITER ;\n")
	for i := range 5 {
		fmt.Fprintf(&v3, "INSERT INTO log (marker) VALUES ('V3-%d');\nCALL bump();\n", i)
	}
	return map[string]string{
		"migrations/V1__schema.sql": "CREATE TABLE log (seq INT AUTO_INCREMENT PRIMARY KEY, marker VARCHAR(32) NOT NULL);\n" +
			"CREATE TABLE counter (id INT PRIMARY KEY, n INT NOT NULL);\nINSERT INTO counter VALUES (1, 0);\n",
		"migrations/V2__work.sql": v2.String(),
		"migrations/V3__more.sql": v3.String(),
	}
}

// TestRunnerKilledAtRandomStatements kills the runner process at random statements, again and again, until a
// run completes, on fresh schemas until the number of kills is reached: every statement is applied exactly once.
func TestRunnerKilledAtRandomStatements(t *testing.T) {
	apiServer(t)
	kills := 8
	if v, err := strconv.Atoi(os.Getenv(killsEnv)); err == nil && v > 0 {
		kills = v
	}
	repo := newGitRepo(t)
	commit := repo.commit(t, killFiles())
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	total := 0
	for pass := 0; total < kills; pass++ {
		name, db := newSchema(t)
		n := killUntilDone(t, rng, db, map[string]string{childDSN: mariadb.DSN(name), childRepo: repo.URL,
			childCommit: commit, childLease: fmt.Sprintf("kill-%d-%d", os.Getpid(), pass)})
		total += n
		checkExactlyOnce(t, db)
		t.Logf("pass %d: %d kills", pass, n)
	}
}

// statementCount is the kill test's number of statements (V1 3, V2 10*2+3, V3 2+5*2).
const statementCount = 3 + 23 + 12

// killUntilDone starts runners that kill themselves at a random statement until one completes; it returns the
// number of kills.
func killUntilDone(t *testing.T, rng *rand.Rand, db *sql.DB, env map[string]string) int {
	t.Helper()
	for kills := 0; ; kills++ {
		applied := appliedCount(db)
		left := statementCount - applied
		at := fmt.Sprintf("%d:%s", 1+rng.IntN(left+1), []string{"before", "after"}[rng.IntN(2)])
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", "KUBECONFIG="+kubeconfig, childCrashAt+"="+at)
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return kills
		case errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
			continue
		default:
			t.Fatalf("runner crashing at %s (after %d applied, %d kills): %v\n%s", at, applied, kills, err, out)
		}
	}
}

func appliedCount(db *sql.DB) int {
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM " + HistoryTable + " WHERE state = 'applied'").Scan(&n); err != nil {
		return 0 // no history table yet
	}
	return n
}

func checkExactlyOnce(t *testing.T, db *sql.DB) {
	t.Helper()
	if n := appliedCount(db); n != statementCount {
		t.Fatalf("%d statements recorded, want %d", n, statementCount)
	}
	if n := queryInt(t, db, "SELECT n FROM counter WHERE id = 1"); n != 10+500 {
		t.Fatalf("counter %d, want 510: an UPDATE or CALL ran twice or never", n)
	}
	rows, err := db.Query("SELECT marker, COUNT(*) FROM log GROUP BY marker")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	markers := 0
	for rows.Next() {
		var m string
		var c int
		if err := rows.Scan(&m, &c); err != nil {
			t.Fatal(err)
		}
		if c != 1 {
			t.Errorf("marker %s inserted %d times", m, c)
		}
		markers++
	}
	if markers != 15 {
		t.Fatalf("%d markers, want 15", markers)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() "+
		"AND table_name = 'log' AND column_name IN ('c2', 'c5', 'c8')"); n != 3 {
		t.Fatalf("%d of the added columns", n)
	}
}
