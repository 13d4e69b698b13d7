package classic

import (
	"context"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// require_secure_transport=ON: a TCP connection without TLS is refused with ER_SECURE_TRANSPORT_REQUIRED
// (3159, SQLSTATE HY000) before its password is checked; with TLS, or over a Unix socket, it is accepted; the
// variable is read at each connection.
func TestRequireSecureTransportRefusesPlainTCP(t *testing.T) {
	var on atomic.Bool
	on.Store(true)
	s, _, addr := newTestServer(t, true, func(s *Server) { s.RequireSecureTransport = on.Load })
	plain := openDB(t, addr, "native", "native-pw", nil)
	err := plain.PingContext(context.Background())
	if me := mysqlError(t, err); me.Number != ErSecureTransportRequired || string(me.SQLState[:]) != "HY000" {
		t.Fatalf("plain TCP: %v", err)
	}
	secure := openDB(t, addr, "native", "native-pw", func(c *mysql.Config) { c.TLS = clientTLS(s) })
	if got := queryString(t, secure, "SELECT 1"); got != "1" {
		t.Fatalf("TLS: %s", got)
	}
	sock := filepath.Join(t.TempDir(), "mysql.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	local := &Server{Handler: newTestHandler(), Credentials: testAccounts, RequireSecureTransport: on.Load}
	go func() { _ = local.Serve(l) }()
	t.Cleanup(func() { _ = local.Shutdown(context.Background()) })
	unix := openDB(t, sock, "native", "native-pw", func(c *mysql.Config) { c.Net = "unix" })
	if got := queryString(t, unix, "SELECT 1"); got != "1" {
		t.Fatalf("Unix socket: %s", got)
	}
	on.Store(false)
	if got := queryString(t, plain, "SELECT 1"); got != "1" {
		t.Fatalf("plain TCP with the variable OFF: %s", got)
	}
}
