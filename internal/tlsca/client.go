package tlsca

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
)

// Trust is how a client verifies a cluster's members: the trust bundle, and the name to check when the
// members' certificate is not valid for their stable names (a user's certificate, VERIFY_CA).
type Trust struct {
	// Bundle is the PEM trust bundle (the ca.crt key of the trust Secret).
	Bundle []byte
	// ServerName, when set, is checked instead of the dialled member's name.
	ServerName string
}

// TrustFor is the Trust of members whose certificate carries certNames (nil for Orca's own certificates,
// which are valid for every member's name), dialled as hosts.
func TrustFor(bundle []byte, certNames, hosts []string) Trust {
	t := Trust{Bundle: bundle}
	if certNames != nil && !CoversAll(certNames, hosts) {
		t.ServerName, _ = VerifyName(certNames, "")
	}
	return t
}

// Config is the client TLS configuration: verify the chain with the bundle and the name (ServerName, or the
// host the connection dials, which the X Protocol client fills in). No bundle verifies with the system's
// roots; an unreadable one yields an empty pool, so every certificate is refused rather than accepted.
func (t Trust) Config() *tls.Config {
	c := &tls.Config{ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if len(t.Bundle) == 0 {
		return c
	}
	pool, err := Pool(t.Bundle)
	if err != nil {
		pool = x509.NewCertPool()
	}
	c.RootCAs = pool
	return c
}

// Fingerprint identifies the trust (a change must reconnect clients that verified with the old one).
func (t Trust) Fingerprint() string {
	sum := sha256.Sum256(append(append([]byte(nil), t.Bundle...), t.ServerName...))
	return hex.EncodeToString(sum[:8])
}
