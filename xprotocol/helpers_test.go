package xprotocol

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

// testCert is a self-signed CA-less certificate for 127.0.0.1 / "member-0".
type testCert struct {
	tls   tls.Certificate
	roots *x509.CertPool
}

func newTestCert(t testing.TB) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "member-0"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"member-0"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return testCert{tls: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots: roots}
}

// startServer serves srv on 127.0.0.1:0 and shuts it down when the test ends.
func startServer(t testing.TB, srv *xserver.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	testServers = append(testServers, srv)
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	<-started
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-errc; !errors.Is(err, xserver.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t testing.TB, addr string, cfg Config) *Session {
	t.Helper()
	s, err := Dial(testCtx(t), addr, cfg)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// echoHandler answers "SELECT 1" with one row and reports everything else as a syntax error.
var echoHandler = xserver.HandlerFunc(func(_ context.Context, _ *xserver.ServerSession, stmt string, _ []wire.Any,
	w xserver.ResultWriter) error {
	if stmt != "SELECT 1" {
		return wire.NewError(1064, "42000", "You have an error in your SQL syntax near '%s'", stmt)
	}
	if err := w.WriteColumns(wire.ColumnMetaData{Type: wire.ColumnSint, Name: "1", Length: 1}); err != nil {
		return err
	}
	return w.WriteRow(1)
})

func accounts() *xserver.StaticCredentials {
	return xserver.NewStaticCredentials(
		xserver.Account{User: "native", Password: "n-pw", Plugin: wire.PluginNativePassword},
		xserver.Account{User: "sha2", Password: "s-pw", Plugin: wire.PluginCachingSHA2},
		xserver.Account{User: "empty", Password: "", Plugin: wire.PluginNativePassword},
	)
}
