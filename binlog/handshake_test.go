package binlog

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/internal/tlsca/tlscatest"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/test/mysqlsim/classic"
)

// The replication connection's own handshake verifies the certificate before it authenticates: a server of
// another CA is refused before the handshake response (which carries the password's scramble) is written.
func TestDialTLSRefusesAnotherCA(t *testing.T) {
	ca, other := tlscatest.New(t), tlscatest.New(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	got := make(chan []byte, 1)
	go fakeTLSServer(t, l, other.Server("db-0"), got)
	members := memberdial.NewLoopback()
	if err := members.Set("db-0", l.Addr().String()); err != nil {
		t.Fatal(err)
	}
	s := &Stream{cfg: Config{Addr: "db-0:3306", User: "repl", Password: "secret", Dialer: members,
		TLS: ca.Trust()}.withDefaults()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.dialTLS(ctx); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("dialTLS: %v, want a certificate of another CA refused", err)
	}
	if b := <-got; len(b) != 0 {
		t.Fatalf("the server received %d bytes after the TLS handshake", len(b))
	}
}

// fakeTLSServer greets like MySQL 8.4 offering TLS, upgrades, and reports what the client sent over TLS.
func fakeTLSServer(t *testing.T, l net.Listener, cfg *tls.Config, got chan<- []byte) {
	c, err := l.Accept()
	if err != nil {
		got <- nil
		return
	}
	defer func() { _ = c.Close() }()
	pc := &packetConn{rw: c, limit: maxHandshakePacket}
	_ = pc.writePacket(testGreeting())
	if _, err := pc.readPacket(); err != nil { // the SSLRequest
		got <- nil
		return
	}
	tc := tls.Server(c, cfg)
	_ = tc.Handshake()
	_ = tc.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 256)
	n, _ := tc.Read(buf)
	got <- buf[:n]
}

// testGreeting is a MySQL 8.4 HandshakeV10 offering TLS, with caching_sha2_password and a 20-byte nonce.
func testGreeting() []byte {
	g := []byte{10}
	g = append(g, "8.4.3\x00"...)
	g = append(g, 1, 0, 0, 0)
	g = append(g, "12345678"...)
	g = append(g, 0, 0xff, 0xff, 45, 2, 0, 0xff, 0xff, 21)
	g = append(g, make([]byte, 10)...)
	g = append(g, "901234567890\x00"...)
	return append(g, pluginCachingSHA+"\x00"...)
}

func TestParseGreeting(t *testing.T) {
	g, err := parseGreeting(testGreeting())
	if err != nil || string(g.nonce) != "12345678901234567890" || g.plugin != pluginCachingSHA ||
		g.caps&capSSL == 0 || g.caps&capPluginAuth == 0 {
		t.Fatalf("%+v %v", g, err)
	}
	if _, err := parseGreeting([]byte{9, 'x', 0}); err == nil {
		t.Fatal("protocol 9 accepted")
	}
}

func TestScrambles(t *testing.T) {
	nonce := []byte("abcdefghijklmnopqrst")
	for _, plugin := range []string{pluginNative, pluginCachingSHA} {
		a, err := scramble(plugin, "pw", nonce)
		if err != nil || len(a) == 0 {
			t.Fatalf("%s: %v", plugin, err)
		}
		if b, _ := scramble(plugin, "pw2", nonce); string(a) == string(b) {
			t.Fatalf("%s: two passwords give one scramble", plugin)
		}
		if e, _ := scramble(plugin, "", nonce); e != nil {
			t.Fatalf("%s: an empty password must send an empty response", plugin)
		}
	}
	if _, err := scramble("sha256_password", "pw", nonce); err == nil {
		t.Fatal("an unsupported plugin was answered")
	}
}

// The handshake against the simulator's classic server (caching_sha2_password as in MySQL 8.4): the first login
// takes the full authentication (the password over the verified TLS connection), the second the fast path from
// the server's cache; a wrong password is refused with the server's error.
func TestDialTLSCachingSHA2(t *testing.T) {
	ca := tlscatest.New(t)
	srv := &classic.Server{TLSConfig: ca.Server("db-0"),
		Credentials: classic.StaticCredentials{"repl": {Password: "repl-pw"}},
		Handler: classic.HandlerFunc(func(context.Context, *classic.Conn, string) ([]*classic.Result, error) {
			return []*classic.Result{{}}, nil
		})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	members := memberdial.NewLoopback()
	if err := members.Set("db-0", l.Addr().String()); err != nil {
		t.Fatal(err)
	}
	dial := func(password string) error {
		s := &Stream{cfg: Config{Addr: "db-0:3306", User: "repl", Password: password, Dialer: members,
			TLS: ca.Trust()}.withDefaults()}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.dialTLS(ctx); err != nil {
			return err
		}
		defer func() { _ = s.nc.Close() }()
		return s.exec("SET @source_heartbeat_period = 1")
	}
	for i := range 2 {
		if err := dial("repl-pw"); err != nil {
			t.Fatalf("login %d: %v", i+1, err)
		}
	}
	var se *ServerError
	if err := dial("wrong"); !errors.As(err, &se) || se.Code != 1045 {
		t.Fatalf("a wrong password: %v, want ERROR 1045", err)
	}
}
