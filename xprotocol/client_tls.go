package xprotocol

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
)

// ErrTLSRootsNotVerified refuses trust roots given with a mode that would not use them: a caller that supplies a
// CA wants it checked, and PREFERRED or REQUIRED would silently accept any certificate.
var ErrTLSRootsNotVerified = errors.New("xprotocol: TLS roots are only checked by VERIFY_CA and VERIFY_IDENTITY")

// clientTLSConfig is the TLS client configuration of a mode, with the connectors' ssl-mode semantics (MySQL
// manual, "Command Options for Encrypted Connections"): REQUIRED and PREFERRED encrypt without verifying,
// VERIFY_CA verifies the chain but not the name, VERIFY_IDENTITY both (the name dialled unless ServerName is set).
func clientTLSConfig(cfg Config, addr string) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		t = cfg.TLSConfig.Clone()
	}
	switch cfg.TLSMode {
	case TLSVerifyIdentity:
		return verifyIdentity(t, addr)
	case TLSVerifyCA:
		return verifyCA(t), nil
	case TLSPreferred, TLSRequired:
		if t.RootCAs != nil {
			return nil, fmt.Errorf("%w, not %s", ErrTLSRootsNotVerified, cfg.TLSMode)
		}
		// The manual's REQUIRED: "establish an encrypted connection ... the certificate is not verified".
		t.InsecureSkipVerify = true //nolint:gosec // the semantics of ssl-mode REQUIRED; Orca never uses it
		return t, nil
	default:
		return nil, fmt.Errorf("xprotocol: unknown TLS mode %d", cfg.TLSMode)
	}
}

// verifyIdentity lets crypto/tls verify the chain and the name: ServerName, else the host dialled.
func verifyIdentity(t *tls.Config, addr string) (*tls.Config, error) {
	if t.InsecureSkipVerify {
		return nil, errors.New("xprotocol: VERIFY_IDENTITY with InsecureSkipVerify set would verify nothing")
	}
	if t.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("tls server name from %q: %w", addr, err)
		}
		t.ServerName = host
	}
	return t, nil
}

// verifyCA checks the chain against RootCAs (the system's when nil) for server authentication at the current
// time, and not the name. crypto/tls checks the name whenever it verifies, so its own verification is turned
// off and VerifyConnection, which runs on every handshake including resumed ones, does the chain instead.
func verifyCA(t *tls.Config) *tls.Config {
	roots := t.RootCAs
	t.InsecureSkipVerify = true //nolint:gosec // the chain is verified by VerifyConnection, only the name is not
	t.VerifyConnection = func(cs tls.ConnectionState) error { return verifyChain(cs, roots) }
	return t
}

func verifyChain(cs tls.ConnectionState, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("xprotocol: server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		return fmt.Errorf("verify server certificate: %w", err)
	}
	return nil
}
