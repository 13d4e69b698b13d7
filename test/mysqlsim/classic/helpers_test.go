package classic

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/go-sql-driver/mysql"
)

// Accounts every test server knows.
var testAccounts = StaticCredentials{
	"native":  {Password: "native-pw", Plugin: PluginNative},
	"sha2":    {Password: "sha2-pw", Plugin: PluginCachingSHA2},
	"deflt":   {Password: "default-pw"},
	"nopw":    {Plugin: PluginCachingSHA2},
	"nopwnat": {Plugin: PluginNative},
}

// session is the per-connection state the test handler keeps in Conn.Value.
type session struct {
	vars   map[string]string
	closed chan struct{}
}

func (s *session) Close() error {
	close(s.closed)
	return nil
}

// testHandler answers a small fixed vocabulary of statements; see the cases.
type testHandler struct {
	mu       sync.Mutex
	queries  []string
	release  chan struct{} // "WAIT" blocks until closed (or ctx ends)
	sessions chan *session // every session created, for tests to watch
}

func newTestHandler() *testHandler {
	return &testHandler{release: make(chan struct{}), sessions: make(chan *session, 100)}
}

func (h *testHandler) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.queries...)
}

var errPlain = errors.New("plain go error")

func one(cols []Column, row ...any) []*Result {
	return []*Result{{Columns: cols, Rows: [][]any{row}}}
}

func (h *testHandler) Query(ctx context.Context, c *Conn, q string) ([]*Result, error) {
	h.mu.Lock()
	h.queries = append(h.queries, q)
	h.mu.Unlock()
	word, arg, _ := strings.Cut(q, " ")
	switch strings.ToUpper(word) {
	case "SET":
		name, val, _ := strings.Cut(arg, "=")
		h.session(c).vars[strings.TrimSpace(name)] = strings.TrimSpace(val)
		return nil, nil
	case "GET":
		v, ok := h.session(c).vars[arg]
		if !ok {
			return one([]Column{{Name: arg}}, nil), nil
		}
		return one([]Column{{Name: arg}}, v), nil
	case "BIG":
		n, _ := strconv.Atoi(arg)
		return one([]Column{{Name: "big"}}, strings.Repeat("b", n)), nil
	case "ECHO":
		return one([]Column{{Name: "echo"}}, arg), nil
	case "LEN":
		return one([]Column{{Name: "len"}}, len(q)), nil
	case "WAIT":
		select {
		case <-h.release:
			return one([]Column{{Name: "waited"}}, "done"), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "PANIC":
		panic("boom")
	case "BEGIN":
		c.SetStatus(StatusInTrans, true)
		return nil, nil
	}
	return h.fixed(c, q)
}

func (h *testHandler) session(c *Conn) *session {
	if s, ok := c.Value().(*session); ok {
		return s
	}
	s := &session{vars: map[string]string{}, closed: make(chan struct{})}
	c.SetValue(s)
	h.sessions <- s
	return s
}

// fixed answers statements without arguments.
func (h *testHandler) fixed(c *Conn, q string) ([]*Result, error) {
	switch strings.ToLower(q) {
	case "select 1":
		return one([]Column{{Name: "1"}}, 1), nil
	case "select @@version_comment limit 1":
		return one([]Column{{Name: "@@version_comment"}}, "MySQL Community Server - GPL"), nil
	case "select database()":
		if c.Schema() == "" {
			return one([]Column{{Name: "DATABASE()", Type: TypeVarString}}, nil), nil
		}
		return one([]Column{{Name: "DATABASE()"}}, c.Schema()), nil
	case "select connection_id()":
		return one([]Column{{Name: "CONNECTION_ID()"}}, uint64(c.ID())), nil
	case "select tls":
		return one([]Column{{Name: "tls"}}, c.TLS()), nil
	case "select current_user()":
		return one([]Column{{Name: "CURRENT_USER()"}}, c.User()+"@"+c.Host()), nil
	case "types":
		return typesResult(), nil
	case "insert":
		return []*Result{{AffectedRows: 3, LastInsertID: 42, Warnings: 1,
			Info: "Records: 3  Duplicates: 0  Warnings: 1"}}, nil
	case "multi":
		return []*Result{
			{Columns: []Column{{Name: "a"}}, Rows: [][]any{{1}, {2}}},
			{AffectedRows: 1},
			{Columns: []Column{{Name: "b"}, {Name: "c"}}, Rows: [][]any{{"x", nil}}},
		}, nil
	case "multi error":
		return []*Result{{Columns: []Column{{Name: "a"}}, Rows: [][]any{{1}}}},
			NewSQLError(1146, "42S02", "Table 'test.nope' doesn't exist")
	case "error":
		return nil, NewSQLError(1146, "42S02", "Table 'test.nope' doesn't exist")
	case "plain error":
		return nil, errPlain
	case "bad row":
		return []*Result{{Columns: []Column{{Name: "a"}}, Rows: [][]any{{1, 2}}}}, nil
	}
	return nil, NewSQLError(1064, "42000", "You have an error in your SQL syntax near '%s'", q)
}

// typesTime is the DATETIME value in typesResult.
var typesTime = time.Date(2024, 5, 17, 10, 20, 30, 0, time.UTC)

func typesResult() []*Result {
	cols := []Column{{Name: "i"}, {Name: "u"}, {Name: "f"}, {Name: "s"}, {Name: "b"}, {Name: "t"},
		{Name: "ok"}, {Name: "n"}, {Name: "ni"}, {Name: "ps"}}
	pw := "ptr"
	return []*Result{{Columns: cols, Rows: [][]any{
		{int64(-7), uint64(18446744073709551615), 1.5, "héllo", []byte{0, 1, 2}, typesTime, true, nil, int32(5), &pw},
		{int64(8), uint64(1), 2.25e20, "", []byte{}, typesTime.Add(time.Hour), false, nil, nil, (*string)(nil)},
	}}}
}

// logSink collects log lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, args)
	}, funcr.Options{Verbosity: 2})
}

func (l *logSink) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

// start serves s on a fresh 127.0.0.1 port and shuts it down when the test ends.
func start(t *testing.T, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	started := make(chan struct{})
	s.NotifyStartedFunc = func() { close(started) }
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
}

// newTestServer starts a server with the test handler and accounts; opts adjust it before it starts.
func newTestServer(t *testing.T, tlsOn bool, opts ...func(*Server)) (*Server, *testHandler, string) {
	t.Helper()
	h := newTestHandler()
	s := &Server{Handler: h, Credentials: testAccounts, RSAKey: testRSAKey(t)}
	if tlsOn {
		cfg, err := SelfSignedTLS("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		s.TLSConfig = cfg
	}
	for _, o := range opts {
		o(s)
	}
	return s, h, start(t, s)
}

// clientTLS trusts the server's self-signed certificate.
func clientTLS(s *Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(s.TLSConfig.Certificates[0].Leaf)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// openDB opens a go-sql-driver pool for user/password on addr.
func openDB(t *testing.T, addr, user, password string, edit func(*mysql.Config)) *sql.DB {
	t.Helper()
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = user, password, "tcp", addr
	cfg.ParseTime = true
	cfg.Timeout = 5 * time.Second
	if edit != nil {
		edit(cfg)
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// conn returns one dedicated connection of db.
func conn(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func queryString(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, query string) string {
	t.Helper()
	var s sql.NullString
	if err := q.QueryRowContext(context.Background(), query).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

func mysqlError(t *testing.T, err error) *mysql.MySQLError {
	t.Helper()
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T) is not a *mysql.MySQLError", err, err)
	}
	return me
}

func expectMySQLError(t *testing.T, err error, code uint16, state, msg string) {
	t.Helper()
	me := mysqlError(t, err)
	if me.Number != code || string(me.SQLState[:]) != state || me.Message != msg {
		t.Fatalf("got error %d (%s) %q, want %d (%s) %q", me.Number, me.SQLState[:], me.Message, code, state, msg)
	}
}

func fmtRow(vals ...any) string { return fmt.Sprint(vals...) }

func itoa(n int) string { return strconv.Itoa(n) }
