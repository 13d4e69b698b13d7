package peers

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	// Registers the "mysql" database/sql driver used to wait for readiness.
	_ "github.com/go-sql-driver/mysql"
)

// MariaDB is a running mariadbd on 127.0.0.1 with its own data folder.
// The root account has no password and may connect over TCP.
type MariaDB struct {
	// Addr is host:port of the classic-protocol listener.
	Addr string
	// Port is the TCP port of Addr.
	Port int
	// Dir holds the data folder, socket and log.
	Dir string

	cmd  *exec.Cmd
	done chan struct{}
}

// DSN returns a go-sql-driver/mysql DSN for user root on the given database ("" for none).
func (m *MariaDB) DSN(database string) string {
	return fmt.Sprintf("root@tcp(%s)/%s?parseTime=true&multiStatements=true", m.Addr, database)
}

// StartMariaDB starts a fresh MariaDB for the test and stops it in tb.Cleanup; extra are more mariadbd options
// (such as --log-bin). It fails the test loudly when mariadbd is not installed.
func StartMariaDB(tb testing.TB, extra ...string) *MariaDB {
	tb.Helper()
	dir, err := os.MkdirTemp("", "orca-mariadb-")
	if err != nil {
		tb.Fatalf("make mariadb folder: %v", err)
	}
	m, err := StartMariaDBIn(dir, extra...)
	if err != nil {
		_ = os.RemoveAll(dir)
		tb.Fatalf("start mariadb: %v", err)
	}
	tb.Cleanup(func() {
		m.Stop()
		_ = os.RemoveAll(dir)
	})
	return m
}

// StartMariaDBIn starts a fresh MariaDB in dir (which must exist), with extra mariadbd options, and waits until
// it answers. The caller stops it with Stop. Used by tests and by long-lived tools such as the playground.
func StartMariaDBIn(dir string, extra ...string) (*MariaDB, error) {
	mariadbd, err := findBinary("mariadbd")
	if err != nil {
		return nil, err
	}
	installDB, err := findBinary("mariadb-install-db")
	if err != nil {
		return nil, err
	}
	data, tmp := filepath.Join(dir, "data"), filepath.Join(dir, "tmp")
	// Each server gets its own tmpdir: concurrent bootstraps sharing /tmp collide on temporary table names.
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("make mariadb tmpdir: %w", err)
	}
	if err := installData(mariadbd, installDB, data, tmp); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &MariaDB{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Port: port, Dir: dir}
	logFile, err := os.Create(filepath.Join(dir, "mariadbd.log"))
	if err != nil {
		return nil, fmt.Errorf("create mariadb log: %w", err)
	}
	args := append([]string{"--no-defaults", "--datadir=" + data, "--tmpdir=" + tmp,
		"--socket=" + filepath.Join(dir, "sock"),
		"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1", "--user=root", "--skip-name-resolve",
		"--max-connections=500", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
		"--innodb-flush-log-at-trx-commit=2", "--pid-file=" + filepath.Join(dir, "mariadbd.pid")}, extra...)
	m.cmd = exec.Command(mariadbd, args...)
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	if err := m.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start mariadbd: %w", err)
	}
	m.done = make(chan struct{})
	go func() { _ = m.cmd.Wait(); _ = logFile.Close(); close(m.done) }()
	if err := m.waitReady(30 * time.Second); err != nil {
		m.Stop()
		log, _ := os.ReadFile(filepath.Join(dir, "mariadbd.log"))
		return nil, fmt.Errorf("%w; log: %s", err, lastLines(log))
	}
	return m, nil
}

func (m *MariaDB) waitReady(limit time.Duration) error {
	db, err := sql.Open("mysql", m.DSN(""))
	if err != nil {
		return fmt.Errorf("open mariadb: %w", err)
	}
	defer func() { _ = db.Close() }()
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mariadb on %s not ready after %s: %w", m.Addr, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop kills the server and waits briefly for it to exit.
func (m *MariaDB) Stop() {
	if m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
	}
}

// findBinary looks in PATH, then in /usr/sbin and /usr/bin: Debian installs mariadbd in /usr/sbin, which a
// non-root PATH often lacks.
func findBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found (run `make test-deps` or hack/peers.sh)", name)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(b []byte) string {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
