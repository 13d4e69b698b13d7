package xprotocol

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol/xserver"
)

// issuer is a test CA that signs leaf certificates.
type issuer struct {
	cert  *x509.Certificate
	key   *ecdsa.PrivateKey
	roots *x509.CertPool
}

func newIssuer(t *testing.T, name string) issuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	return issuer{cert: cert, key: key, roots: roots}
}

// leaf issues a certificate for names, valid until notAfter, for the extended key usage given.
func (i issuer) leaf(t *testing.T, notAfter time.Time, usage x509.ExtKeyUsage, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-2 * time.Hour), NotAfter: notAfter, DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, i.cert, &key.PublicKey, i.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// tlsServer serves cert (no TLS at all when nil) on a loopback socket.
func tlsServer(t *testing.T, cert *tls.Certificate) string {
	t.Helper()
	srv := &xserver.Server{Handler: echoHandler, Credentials: accounts()}
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	}
	return startServer(t, srv)
}

// Every mode against real TLS sockets: which certificate it accepts, which it refuses (with the password never
// sent: the refusal happens in the handshake), and what it does when the server offers no TLS.
func TestClientTLSModesVerifyWhatTheManualSays(t *testing.T) {
	ca, other := newIssuer(t, "cluster CA"), newIssuer(t, "another CA")
	hour := time.Now().Add(time.Hour)
	good := ca.leaf(t, hour, x509.ExtKeyUsageServerAuth, "db-0.db-instances.ns.svc.cluster.local")
	servers := map[string]string{
		"good":       tlsServer(t, &good),
		"otherCA":    tlsServer(t, ptr(other.leaf(t, hour, x509.ExtKeyUsageServerAuth, "db-0.db-instances.ns.svc.cluster.local"))),
		"expired":    tlsServer(t, ptr(ca.leaf(t, time.Now().Add(-time.Hour), x509.ExtKeyUsageServerAuth, "db-0.db-instances.ns.svc.cluster.local"))),
		"clientOnly": tlsServer(t, ptr(ca.leaf(t, hour, x509.ExtKeyUsageClientAuth, "db-0.db-instances.ns.svc.cluster.local"))),
		"noTLS":      tlsServer(t, nil),
	}
	const member, wrongName = "db-0.db-instances.ns.svc.cluster.local", "db-1.db-instances.ns.svc.cluster.local"
	for _, tc := range []struct {
		mode       TLSMode
		server     string
		roots      *x509.CertPool
		serverName string
		want       string // "tls", "plain", or "refused"
	}{
		{TLSDisabled, "good", nil, "", "plain"},
		{TLSPreferred, "otherCA", nil, "", "tls"},
		{TLSPreferred, "noTLS", nil, "", "plain"},
		{TLSRequired, "otherCA", nil, "", "tls"}, // REQUIRED encrypts and verifies nothing (the manual)
		{TLSRequired, "noTLS", nil, "", "refused"},
		{TLSRequired, "good", ca.roots, member, "refused"}, // roots given with a mode that would ignore them
		{TLSVerifyCA, "good", ca.roots, member, "tls"},
		{TLSVerifyCA, "good", ca.roots, wrongName, "tls"}, // VERIFY_CA does not check the name
		{TLSVerifyCA, "otherCA", ca.roots, member, "refused"},
		{TLSVerifyCA, "expired", ca.roots, member, "refused"},
		{TLSVerifyCA, "clientOnly", ca.roots, member, "refused"},
		{TLSVerifyCA, "noTLS", ca.roots, member, "refused"},
		{TLSVerifyIdentity, "good", ca.roots, member, "tls"},
		{TLSVerifyIdentity, "good", ca.roots, wrongName, "refused"},
		{TLSVerifyIdentity, "good", ca.roots, "", "refused"}, // the name dialled, 127.0.0.1, is not in it
		{TLSVerifyIdentity, "otherCA", ca.roots, member, "refused"},
		{TLSVerifyIdentity, "expired", ca.roots, member, "refused"},
		{TLSVerifyIdentity, "noTLS", ca.roots, member, "refused"},
	} {
		name := tc.mode.String() + "/" + tc.server + "/" + tc.serverName
		t.Run(name, func(t *testing.T) {
			cfg := Config{User: "native", Password: "n-pw", TLSMode: tc.mode,
				TLSConfig: &tls.Config{RootCAs: tc.roots, ServerName: tc.serverName, MinVersion: tls.VersionTLS12}}
			s, err := Dial(testCtx(t), servers[tc.server], cfg)
			if tc.want == "refused" {
				if err == nil {
					s.Close()
					t.Fatalf("connected (tls=%v), want refused", s.TLS())
				}
				return
			}
			if err != nil {
				t.Fatalf("want %s: %v", tc.want, err)
			}
			defer s.Close()
			if s.TLS() != (tc.want == "tls") {
				t.Fatalf("tls=%v, want %s", s.TLS(), tc.want)
			}
		})
	}
}

func TestClientTLSRefusalsSayWhy(t *testing.T) {
	ca := newIssuer(t, "cluster CA")
	addr := tlsServer(t, nil)
	_, err := Dial(testCtx(t), addr, Config{User: "native", Password: "n-pw", TLSMode: TLSVerifyIdentity,
		TLSConfig: &tls.Config{RootCAs: ca.roots, MinVersion: tls.VersionTLS12}})
	if !errors.Is(err, ErrTLSUnavailable) {
		t.Fatalf("no TLS offered: %v, want ErrTLSUnavailable", err)
	}
	good := ca.leaf(t, time.Now().Add(time.Hour), x509.ExtKeyUsageServerAuth, "m")
	addr = tlsServer(t, &good)
	_, err = Dial(testCtx(t), addr, Config{User: "native", Password: "n-pw", TLSMode: TLSRequired,
		TLSConfig: &tls.Config{RootCAs: ca.roots, MinVersion: tls.VersionTLS12}})
	if !errors.Is(err, ErrTLSRootsNotVerified) {
		t.Fatalf("roots with REQUIRED: %v, want ErrTLSRootsNotVerified", err)
	}
	_, err = Dial(testCtx(t), addr, Config{User: "native", Password: "n-pw", TLSMode: TLSVerifyIdentity,
		TLSConfig: &tls.Config{RootCAs: ca.roots, ServerName: "m", InsecureSkipVerify: true}}) //nolint:gosec // refused
	if err == nil {
		t.Fatal("VERIFY_IDENTITY with InsecureSkipVerify connected")
	}
	_, err = Dial(testCtx(t), addr, Config{User: "native", Password: "n-pw", TLSMode: TLSMode(9)})
	if err == nil {
		t.Fatal("an unknown mode connected")
	}
}

func ptr[T any](v T) *T { return &v }
