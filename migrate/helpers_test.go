package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/orca-operator/orca/test/peers"
)

// The suite shares one MariaDB (binary log on, so GTIDs are real) across tests, each in its own schema; it
// starts with the first test that needs it.
var (
	dbOnce   sync.Once
	mariadb  *peers.MariaDB
	dbErr    error
	dbDir    string
	schemaNo atomic.Int64
)

func TestMain(m *testing.M) {
	if helperMain() {
		return
	}
	code := m.Run()
	if mariadb != nil {
		mariadb.Stop()
		_ = os.RemoveAll(dbDir)
	}
	kubeStop()
	os.Exit(code)
}

// newSchema returns a fresh schema's name and a *sql.DB whose default schema it is.
func newSchema(t *testing.T) (string, *sql.DB) {
	t.Helper()
	dbOnce.Do(func() {
		if dbDir, dbErr = os.MkdirTemp("", "orca-migrate-"); dbErr != nil {
			return
		}
		mariadb, dbErr = peers.StartMariaDBIn(dbDir, "--log-bin=mariadb-bin", "--server-id=7", "--binlog-format=ROW")
	})
	if dbErr != nil {
		t.Fatalf("mariadb: %v", dbErr)
	}
	name := fmt.Sprintf("m%d_%d", os.Getpid(), schemaNo.Add(1))
	root, err := sql.Open("mysql", mariadb.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = root.Close() }()
	if _, err := root.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	db, err := sql.Open("mysql", mariadb.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return name, db
}

// gitRepo is a real repository served by git http-backend (smart HTTP) on 127.0.0.1.
type gitRepo struct {
	dir, URL string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	root := t.TempDir()
	r := &gitRepo{dir: filepath.Join(root, "app.git")}
	r.git(t, "init", "-q", "-b", "main", r.dir)
	r.git(t, "-C", r.dir, "config", "http.receivepack", "false")
	execPath, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Fatalf("git --exec-path: %v", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(execPath)), "git-http-backend")
	srv := httptest.NewServer(&cgi.Handler{Path: backend,
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}})
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/app.git"
	return r
}

func (r *gitRepo) git(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files (path -> content; "" deletes) and commits them on main; it returns the commit's SHA.
func (r *gitRepo) commit(t *testing.T, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(r.dir, name)
		if content == "" {
			_ = os.Remove(p)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.git(t, "-C", r.dir, "add", "-A")
	r.git(t, "-C", r.dir, "commit", "-q", "--allow-empty", "-m", "migrations")
	return r.git(t, "-C", r.dir, "rev-parse", "HEAD")
}

// cloneAndLoad clones the repository at commit and loads its migrations folder.
func cloneAndLoad(t *testing.T, r *gitRepo, commit string) []File {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	if err := Clone(context.Background(), Source{URL: r.URL, Commit: commit}, dir); err != nil {
		t.Fatal(err)
	}
	files, err := Load(os.DirFS(dir), "migrations")
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// staticFence is a lock that is always held with one token, for tests of the runner alone.
type staticFence struct{ token int64 }

func (f staticFence) Token() int64                { return f.token }
func (f staticFence) Check(context.Context) error { return nil }

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
