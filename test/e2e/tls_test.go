package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
	"github.com/orca-operator/orca/xprotocol"
)

// A member's certificate comes due (the test makes it expire within the renewal window, signed by the cluster's
// own CA): Orca renews it, bumps the epoch of <name>-tls and the members restart one at a time to load the new
// certificates, the primary last after a switchover, while a client writes through the primary Service. No
// acknowledged write is lost, no member holds an errant transaction, and every member then serves the certificate
// stored for it, verified with the bundle for its stable name.
func certificateRotationUnderWrites(t *testing.T, h *harness) {
	c := h.createSample(t)
	primary := c.waitOnline(90 * time.Second)
	wr := c.startWriter()
	defer wr.stopAndCheck()
	uids, oldRev := c.podUIDs(), c.statefulSet().Status.UpdateRevision
	victim := c.secondaries(primary)[0]
	epoch := c.makeCertDue(victim)
	newRev := c.waitNewRevision(oldRev)
	c.watchRollPrimaryLast(uids, newRev, primary)
	stored := c.tlsSecret()
	if got := specs.TLSEpoch(stored); got != epoch+1 {
		t.Fatalf("tls epoch %d, want %d", got, epoch+1)
	}
	cert, err := tlsca.ParseCert(stored.Data[specs.MemberCertKey(victim)])
	if err != nil || time.Until(cert.NotAfter) < 60*24*time.Hour {
		t.Fatalf("%s's certificate was not renewed: %v, expires %v", victim, err, cert.NotAfter)
	}
	for pod := range c.pods() {
		if err := c.servesStoredCert(pod, stored); err != nil {
			t.Fatal(err)
		}
	}
}

func (c *cluster) tlsSecret() *corev1.Secret {
	c.t.Helper()
	var s corev1.Secret
	key := client.ObjectKey{Namespace: c.obj.Namespace, Name: specs.ServerTLSSecretName(c.obj)}
	if err := c.h.Client.Get(context.Background(), key, &s); err != nil {
		c.t.Fatalf("read secret %s: %v", key.Name, err)
	}
	return &s
}

// makeCertDue replaces pod's certificate in <name>-tls with one of the cluster's CA for the same names that
// expires in five days, inside the 30-day renewal window, and returns the Secret's epoch before.
func (c *cluster) makeCertDue(pod string) int {
	c.t.Helper()
	var caSecret corev1.Secret
	key := client.ObjectKey{Namespace: c.obj.Namespace, Name: specs.CASecretName(c.obj)}
	if err := c.h.Client.Get(context.Background(), key, &caSecret); err != nil {
		c.t.Fatalf("read secret %s: %v", key.Name, err)
	}
	ca, _, err := specs.CAOf(&caSecret)
	if err != nil {
		c.t.Fatal(err)
	}
	s := c.tlsSecret()
	old, err := tlsca.ParseCert(s.Data[specs.MemberCertKey(pod)])
	if err != nil {
		c.t.Fatal(err)
	}
	due, err := tlsca.IssueCert(ca, old.DNSNames, time.Now().Add(-85*24*time.Hour), 90*24*time.Hour)
	if err != nil {
		c.t.Fatal(err)
	}
	epoch := specs.TLSEpoch(s)
	patch := client.MergeFrom(s.DeepCopy())
	s.Data[specs.MemberCertKey(pod)], s.Data[specs.MemberKeyKey(pod)] = due.CertPEM, due.KeyPEM
	if err := c.h.Client.Patch(context.Background(), s, patch); err != nil {
		c.t.Fatalf("make %s's certificate due: %v", pod, err)
	}
	return epoch
}

// servesStoredCert connects to pod's X Protocol port by its stable name, verifying with the trust bundle of
// <name>-tls, and checks the certificate served is the one stored for it.
func (c *cluster) servesStoredCert(pod string, stored *corev1.Secret) error {
	ord, err := specs.Ordinal(pod)
	if err != nil {
		return err
	}
	want, err := tlsca.ParseCert(stored.Data[specs.MemberCertKey(pod)])
	if err != nil {
		return err
	}
	cfg := tlsca.Trust{Bundle: stored.Data[specs.KeyCACert]}.Config()
	var served *x509.Certificate
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		served = cs.PeerCertificates[0]
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := net.JoinHostPort(specs.MemberHost(c.obj, ord, ""), "33060")
	s, err := xprotocol.Dial(ctx, addr, xprotocol.Config{User: "root",
		Password: c.secret(specs.CredentialsSecretName(c.obj), specs.KeyRootPassword),
		Dial:     c.h.World.Dialer().DialContext, TLSMode: xprotocol.TLSVerifyIdentity, TLSConfig: cfg})
	if err != nil {
		return fmt.Errorf("%s after the rotation: %w", pod, err)
	}
	_ = s.Close()
	if served == nil || !served.Equal(want) {
		return fmt.Errorf("%s serves a certificate other than the one stored for it", pod)
	}
	return nil
}
