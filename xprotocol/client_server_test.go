package xprotocol

import (
	"crypto/tls"
	"errors"
	"testing"

	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

func TestSelectOneOverMySQL41(t *testing.T) {
	addr := startServer(t, &xserver.Server{Handler: echoHandler, Credentials: accounts()})
	s := dial(t, addr, Config{User: "native", Password: "n-pw"})
	if s.TLS() || s.AuthMechanism() != wire.AuthMySQL41 || s.ConnectionID() == 0 {
		t.Fatalf("tls=%v mech=%s id=%d", s.TLS(), s.AuthMechanism(), s.ConnectionID())
	}
	res, err := s.Execute(testCtx(t), "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sets) != 1 || len(res.Sets[0].Rows) != 1 || res.Sets[0].Rows[0][0].Int != 1 {
		t.Fatalf("result %+v", res)
	}
	if err := s.Ping(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	_, err = s.Execute(testCtx(t), "SELEKT")
	var xe *wire.Error
	if !errors.As(err, &xe) || xe.Code != 1064 || xe.SQLState != "42000" {
		t.Fatalf("err = %v", err)
	}
	if err := s.Ping(testCtx(t)); err != nil {
		t.Fatalf("session unusable after a statement error: %v", err)
	}
}

func TestAuthMatrix(t *testing.T) {
	cert := newTestCert(t)
	srv := &xserver.Server{Handler: echoHandler, Credentials: accounts(),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.tls}}}
	addr := startServer(t, srv)
	ctx := testCtx(t)
	fails := func(cfg Config, code uint32) {
		t.Helper()
		_, err := Dial(ctx, addr, cfg)
		var xe *wire.Error
		if !errors.As(err, &xe) || xe.Code != code {
			t.Fatalf("Dial(%+v) = %v, want ERROR %d", cfg, err, code)
		}
	}
	// caching_sha2_password without TLS: MYSQL41 fails, SHA256_MEMORY fails until a PLAIN login cached it.
	fails(Config{User: "sha2", Password: "s-pw", TLSMode: TLSDisabled}, wire.ErCodeAccessDenied)
	// PLAIN without TLS is refused by the server.
	_, err := Dial(ctx, addr, Config{User: "sha2", Password: "s-pw", TLSMode: TLSDisabled, Auth: wire.AuthPlain})
	if !errors.Is(err, ErrPlainWithoutTLS) {
		t.Fatalf("PLAIN without TLS: %v", err)
	}
	s := dial(t, addr, Config{User: "sha2", Password: "s-pw", TLSMode: TLSRequired})
	if !s.TLS() || s.AuthMechanism() != wire.AuthPlain {
		t.Fatalf("tls=%v mech=%s", s.TLS(), s.AuthMechanism())
	}
	s2 := dial(t, addr, Config{User: "sha2", Password: "s-pw", TLSMode: TLSDisabled})
	if s2.AuthMechanism() != wire.AuthSHA256Memory {
		t.Fatalf("mech = %s, want SHA256_MEMORY after fallback", s2.AuthMechanism())
	}
	fails(Config{User: "sha2", Password: "wrong", TLSMode: TLSDisabled}, wire.ErCodeAccessDenied)
	fails(Config{User: "native", Password: "wrong"}, wire.ErCodeAccessDenied)
	fails(Config{User: "nobody", Password: "x", TLSMode: TLSDisabled}, wire.ErCodeAccessDenied)
	dial(t, addr, Config{User: "empty", TLSMode: TLSDisabled})
	dial(t, addr, Config{User: "native", Password: "n-pw", TLSMode: TLSDisabled, Auth: wire.AuthMySQL41})
	// A password change invalidates the SHA256_MEMORY cache.
	accs := srv.Credentials.(*xserver.StaticCredentials)
	accs.Set(xserver.Account{User: "sha2", Password: "new-pw"})
	fails(Config{User: "sha2", Password: "new-pw", TLSMode: TLSDisabled, Auth: wire.AuthSHA256Memory},
		wire.ErCodeAccessDenied)
}
