package tlsca

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"
)

func mustCA(t *testing.T, now time.Time, validity time.Duration) KeyPair {
	t.Helper()
	kp, err := NewCA("test CA", now, validity)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func verify(t *testing.T, bundle []byte, leaf KeyPair, name string, at time.Time) error {
	t.Helper()
	pool, err := Pool(bundle)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCert(leaf.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, CurrentTime: at})
	return err
}

func TestIssuedCertificateVerifiesOnlyWithItsCAAndNames(t *testing.T) {
	now := time.Now()
	ca := mustCA(t, now, 365*day)
	other := mustCA(t, now, 365*day)
	leaf, err := IssueCert(ca, []string{"m-0.m-instances.ns.svc.cluster.local", "m-0.m-instances.ns.svc"}, now, 90*day)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM); err != nil {
		t.Fatalf("certificate and key do not match: %v", err)
	}
	if err := verify(t, ca.CertPEM, leaf, "m-0.m-instances.ns.svc", now); err != nil {
		t.Fatalf("own CA and name: %v", err)
	}
	var unknown x509.UnknownAuthorityError
	if err := verify(t, other.CertPEM, leaf, "m-0.m-instances.ns.svc", now); !errors.As(err, &unknown) {
		t.Fatalf("another CA: %v, want unknown authority", err)
	}
	var host x509.HostnameError
	if err := verify(t, ca.CertPEM, leaf, "m-1.m-instances.ns.svc", now); !errors.As(err, &host) {
		t.Fatalf("another member's name: %v, want a hostname error", err)
	}
	info := InfoOf(mustParse(t, leaf.CertPEM))
	if info.IssuerKeyID != InfoOf(mustParse(t, ca.CertPEM)).KeyID || info.IssuerKeyID == "" {
		t.Fatalf("issuer key id %q does not name the CA", info.IssuerKeyID)
	}
}

func TestCertificateNeverOutlivesItsCA(t *testing.T) {
	now := time.Now()
	ca := mustCA(t, now, 10*day)
	leaf, err := IssueCert(ca, []string{"a"}, now, 90*day)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustParse(t, leaf.CertPEM).NotAfter; got.After(mustParse(t, ca.CertPEM).NotAfter) {
		t.Fatalf("leaf expires %v after its CA", got)
	}
}

func TestBundleKeepsUnexpiredPreviousCAs(t *testing.T) {
	now := time.Now()
	old := mustCA(t, now.Add(-400*day), 500*day)
	expired := mustCA(t, now.Add(-400*day), 300*day)
	cur := mustCA(t, now, 3650*day)
	prev := append(append(append([]byte(nil), cur.CertPEM...), old.CertPEM...), expired.CertPEM...)
	b, err := Bundle(cur.CertPEM, prev, now)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ParseBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 || !certs[0].Equal(mustParse(t, cur.CertPEM)) || !certs[1].Equal(mustParse(t, old.CertPEM)) {
		t.Fatalf("bundle has %d certificates, want the current CA then the unexpired old one", len(certs))
	}
	leaf, err := IssueCert(old, []string{"a"}, now.Add(-10*day), 90*day)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(t, b, leaf, "a", now); err != nil {
		t.Fatalf("a certificate of the previous CA must still verify during the roll: %v", err)
	}
}

func TestParseBundleRefusesGarbage(t *testing.T) {
	if _, err := ParseBundle([]byte("not pem")); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Fatalf("err %v", err)
	}
}

func mustParse(t *testing.T, p []byte) *x509.Certificate {
	t.Helper()
	c, err := ParseCert(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
