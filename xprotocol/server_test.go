package xprotocol

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

func wantXError(t *testing.T, err error, code uint32, msg string) {
	t.Helper()
	var xe *wire.Error
	if !errors.As(err, &xe) || xe.Code != code || (msg != "" && xe.Msg != msg) {
		t.Fatalf("err = %v, want ERROR %d %q", err, code, msg)
	}
}

func TestCapabilities(t *testing.T) {
	addr := startServer(t, &xserver.Server{Handler: echoHandler, Credentials: accounts()})
	ctx := testCtx(t)
	_, err := Dial(ctx, addr, Config{User: "native", Password: "n-pw",
		Capabilities: []wire.Capability{{Name: "foo", Value: wire.Bool(true)}}})
	wantXError(t, err, wire.ErCodeXCapabilityNotFound, "Capability 'foo' doesn't exist")
	_, err = Dial(ctx, addr, Config{User: "native", Password: "n-pw", TLSMode: TLSRequired})
	if !errors.Is(err, ErrTLSUnavailable) {
		t.Fatalf("TLS required without server TLS: %v", err)
	}
	s := dial(t, addr, Config{User: "native", Password: "n-pw", ConnectAttrs: map[string]string{"program_name": "orca"},
		Capabilities: []wire.Capability{{Name: wire.CapPwdExpireOk, Value: wire.Bool(true)}}})
	if s.TLS() {
		t.Fatal("PREFERRED upgraded without server TLS")
	}
	err = s.SetCapabilities(ctx, wire.Capability{Name: wire.CapTLS, Value: wire.Bool(true)})
	wantXError(t, err, wire.ErCodeXCapabilitiesPrepare, "Capability prepare failed for 'tls'")
	caps, err := s.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := caps.Get(wire.CapTLS); ok {
		t.Fatal("server without TLSConfig offers tls")
	}
	if v, _ := caps.Get(wire.CapAuthMechanisms); len(v.Array) != 2 {
		t.Fatalf("mechanisms %v", v)
	}
	var attrs map[string]string
	for _, ss := range s.sessionsOf(t) {
		attrs = ss.ConnectAttrs()
	}
	if attrs["program_name"] != "orca" || attrs["_client_name"] != "go-xprotocol" {
		t.Fatalf("connect attrs %v", attrs)
	}
}

// sessionsOf is a test helper: the server sessions are reached through the package-level registry.
func (s *Session) sessionsOf(t *testing.T) []*xserver.ServerSession {
	t.Helper()
	for _, srv := range testServers {
		for _, ss := range srv.Sessions() {
			if ss.ID() == s.ConnectionID() {
				return []*xserver.ServerSession{ss}
			}
		}
	}
	t.Fatalf("no server session %d", s.ConnectionID())
	return nil
}

var testServers []*xserver.Server

func TestTLSModes(t *testing.T) {
	cert := newTestCert(t)
	srv := &xserver.Server{Handler: echoHandler, Credentials: accounts(),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.tls}}}
	addr := startServer(t, srv)
	ctx := testCtx(t)
	ok := func(cfg Config) {
		t.Helper()
		cfg.User, cfg.Password = "native", "n-pw"
		s, err := Dial(ctx, addr, cfg)
		if err != nil {
			t.Fatalf("%s: %v", cfg.TLSMode, err)
		}
		defer s.Close()
		if s.TLS() != (cfg.TLSMode != TLSDisabled) {
			t.Fatalf("%s: tls=%v", cfg.TLSMode, s.TLS())
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	}
	fails := func(cfg Config) {
		t.Helper()
		cfg.User, cfg.Password = "native", "n-pw"
		if s, err := Dial(ctx, addr, cfg); err == nil {
			s.Close()
			t.Fatalf("%s with %+v connected", cfg.TLSMode, cfg.TLSConfig)
		}
	}
	other := newTestCert(t)
	ok(Config{TLSMode: TLSDisabled})
	ok(Config{TLSMode: TLSPreferred})
	ok(Config{TLSMode: TLSRequired})
	ok(Config{TLSMode: TLSVerifyCA, TLSConfig: &tls.Config{RootCAs: cert.roots, ServerName: "wrong-name"}})
	fails(Config{TLSMode: TLSVerifyCA, TLSConfig: &tls.Config{RootCAs: other.roots}})
	ok(Config{TLSMode: TLSVerifyIdentity, TLSConfig: &tls.Config{RootCAs: cert.roots}})
	ok(Config{TLSMode: TLSVerifyIdentity, TLSConfig: &tls.Config{RootCAs: cert.roots, ServerName: "member-0"}})
	fails(Config{TLSMode: TLSVerifyIdentity, TLSConfig: &tls.Config{RootCAs: cert.roots, ServerName: "member-1"}})
	fails(Config{TLSMode: TLSVerifyIdentity, TLSConfig: &tls.Config{RootCAs: x509.NewCertPool()}})
}

func TestAdminCommands(t *testing.T) {
	addr := startServer(t, &xserver.Server{Handler: echoHandler, Credentials: accounts()})
	s := dial(t, addr, Config{User: "native", Password: "n-pw"})
	ctx := testCtx(t)
	notices, err := s.ListNotices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !notices["warnings"] || notices["group_replication/membership/view"] || !notices["rows_affected"] || len(notices) != 9 {
		t.Fatalf("default notices %v", notices)
	}
	if err := s.EnableNotices(ctx, wire.GroupReplicationNotices...); err != nil {
		t.Fatal(err)
	}
	if err := s.DisableNotices(ctx, "warnings"); err != nil {
		t.Fatal(err)
	}
	notices, _ = s.ListNotices(ctx)
	if notices["warnings"] || !notices["group_replication/status/role_change"] {
		t.Fatalf("after toggling %v", notices)
	}
	wantXError(t, s.EnableNotices(ctx, "group_replication/bogus"), wire.ErCodeXBadNotice,
		"Invalid notice name group_replication/bogus")
	wantXError(t, s.DisableNotices(ctx, "rows_affected"), 5164, "")
	_, err = s.AdminCommand(ctx, "frobnicate")
	wantXError(t, err, wire.ErCodeXInvalidAdminCommand, "Invalid mysqlx command frobnicate")
	_, err = s.AdminCommand(ctx, "ping", wire.Sint(1))
	wantXError(t, err, wire.ErCodeXCmdNumArguments, "")
	_, err = s.execute(ctx, "nosql", []byte("x"), nil)
	wantXError(t, err, wire.ErCodeXInvalidNamespace, "Unknown namespace nosql")
	res, err := s.AdminCommand(ctx, "list_clients")
	if err != nil || len(res.Sets) != 1 || len(res.Sets[0].Rows) != 1 || res.Sets[0].Rows[0][1].String() != "native" {
		t.Fatalf("list_clients %+v %v", res, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestHandlerErrors(t *testing.T) {
	h := xserver.HandlerFunc(func(_ context.Context, _ *xserver.ServerSession, stmt string, _ []wire.Any,
		w xserver.ResultWriter) error {
		switch stmt {
		case "plain":
			return errors.New("disk on fire")
		case "fatal":
			return &wire.Error{Severity: wire.SeverityFatal, Code: 1053, SQLState: "08S01", Msg: "going away"}
		case "midstream":
			_ = w.WriteColumns(wire.ColumnMetaData{Type: wire.ColumnSint, Name: "a"})
			_ = w.WriteRow(1)
			return wire.NewError(1317, "70100", "Query execution was interrupted")
		case "badrow":
			_ = w.WriteColumns(wire.ColumnMetaData{Type: wire.ColumnSint, Name: "a"})
			return w.WriteRow("not a number")
		}
		return nil
	})
	addr := startServer(t, &xserver.Server{Handler: h, Credentials: accounts()})
	s := dial(t, addr, Config{User: "native", Password: "n-pw"})
	ctx := testCtx(t)
	_, err := s.Execute(ctx, "plain")
	wantXError(t, err, wire.ErCodeUnknownError, "disk on fire")
	_, err = s.Execute(ctx, "midstream")
	wantXError(t, err, 1317, "")
	_, err = s.Execute(ctx, "badrow")
	wantXError(t, err, wire.ErCodeUnknownError, "")
	res, err := s.Execute(ctx, "other")
	if err != nil || res.RowsAffected != 0 || len(res.Sets) != 0 {
		t.Fatalf("empty statement %+v %v", res, err)
	}
	_, err = s.Execute(ctx, "fatal")
	wantXError(t, err, 1053, "going away")
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("session open after a fatal error")
	}
	if err := s.Ping(ctx); err == nil {
		t.Fatal("ping after fatal error succeeded")
	}
}

func TestKillClientAndIdleTimeout(t *testing.T) {
	srv := &xserver.Server{Handler: echoHandler, Credentials: accounts(), IdleTimeout: 300 * time.Millisecond}
	addr := startServer(t, srv)
	ctx := testCtx(t)
	a := dial(t, addr, Config{User: "native", Password: "n-pw"})
	b := dial(t, addr, Config{User: "native", Password: "n-pw"})
	if _, err := a.AdminCommand(ctx, "kill_client", wire.Object(wire.ObjectField{Key: "id",
		Value: wire.Uint(b.ConnectionID())})); err != nil {
		t.Fatal(err)
	}
	<-b.Done()
	// a stays idle: the server ends it with a fatal error the reader picks up unsolicited.
	select {
	case <-a.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("idle session not closed")
	}
	wantXError(t, a.Err(), wire.ErCodeIOReadError, "")
}

func TestShutdownClosesIdleSessions(t *testing.T) {
	srv := &xserver.Server{Handler: echoHandler, Credentials: accounts()}
	addr := startServer(t, srv)
	s := dial(t, addr, Config{User: "native", Password: "n-pw"})
	ctx := testCtx(t)
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	wantXError(t, s.Err(), wire.ErCodeServerShutdown, "Server shutdown in progress")
	if _, err := Dial(ctx, addr, Config{User: "native", Password: "n-pw"}); err == nil {
		t.Fatal("dial after shutdown succeeded")
	}
}

// Shutdown right after the login, while the session arms its next read: it once could overwrite Shutdown's
// deadline with the 8-hour idle timeout (seen in CI as mysqladmin's Shutdown waiting out its 5 s). A race: these
// rounds catch it only sometimes.
func TestShutdownRightAfterLogin(t *testing.T) {
	for range 50 {
		srv := &xserver.Server{Handler: echoHandler, Credentials: accounts()}
		addr := startServer(t, srv)
		s := dial(t, addr, Config{User: "native", Password: "n-pw"})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := srv.Shutdown(ctx)
		cancel()
		if err != nil {
			t.Fatalf("shutdown with one idle session: %v", err)
		}
		<-s.Done()
	}
}

func TestContextCancelMidCommand(t *testing.T) {
	block := make(chan struct{})
	h := xserver.HandlerFunc(func(ctx context.Context, _ *xserver.ServerSession, _ string, _ []wire.Any,
		_ xserver.ResultWriter) error {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return nil
	})
	addr := startServer(t, &xserver.Server{Handler: h, Credentials: accounts()})
	defer close(block)
	s := dial(t, addr, Config{User: "native", Password: "n-pw"})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := s.Execute(ctx, "SELECT SLEEP(10)")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	<-s.Done()
	if !strings.Contains(s.Err().Error(), "deadline") {
		t.Fatalf("session error %v", s.Err())
	}
}
