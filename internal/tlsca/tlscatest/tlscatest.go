// Package tlscatest issues certificates from a throw-away CA for tests of TLS clients and servers.
package tlscatest

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/orca-operator/orca/internal/tlsca"
)

// CA is a test certificate authority.
type CA struct {
	tb testing.TB
	kp tlsca.KeyPair
}

// New generates a CA valid for a day.
func New(tb testing.TB) *CA {
	tb.Helper()
	kp, err := tlsca.NewCA("test CA", time.Now(), 24*time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return &CA{tb: tb, kp: kp}
}

// Bundle is the CA's PEM certificate.
func (c *CA) Bundle() []byte { return c.kp.CertPEM }

// KeyPair is the CA's certificate and key.
func (c *CA) KeyPair() tlsca.KeyPair { return c.kp }

// Trust verifies certificates of this CA for the dialled name.
func (c *CA) Trust() *tls.Config { return tlsca.Trust{Bundle: c.kp.CertPEM}.Config() }

// Issue returns a PEM certificate and key for names.
func (c *CA) Issue(names ...string) tlsca.KeyPair {
	c.tb.Helper()
	kp, err := tlsca.IssueCert(c.kp, names, time.Now(), 24*time.Hour)
	if err != nil {
		c.tb.Fatal(err)
	}
	return kp
}

// Server is a server configuration serving a certificate for names.
func (c *CA) Server(names ...string) *tls.Config {
	c.tb.Helper()
	kp := c.Issue(names...)
	pair, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		c.tb.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}
