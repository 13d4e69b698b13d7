package mysqladmin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"

	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/xprotocol"
)

// Factory connects to members over the X Protocol through one dialer.
type Factory struct {
	// Dialer opens every connection (memberdial.Direct in a cluster, a loopback map in tests).
	Dialer memberdial.Dialer
}

// Connect opens an admin session to host:port as the given account, over TLS verified with t: its RootCAs,
// and its ServerName or else host, the member's stable name (the dialer may reach it through another
// address, the name checked is still the one dialled). nil verifies with the system's roots. A failure returns
// an Unreachable instance and an error: ErrAccessDenied when the server refused the login, ErrUntrusted when
// its certificate did not verify, ErrUnreachable otherwise. The session is readied for placeholders (Open).
func (f Factory) Connect(ctx context.Context, host string, port int, a Account, t *tls.Config) (Instance, error) {
	cfg := xprotocol.Config{User: a.User, Password: a.Password, Dial: f.Dialer.DialContext,
		TLSMode: xprotocol.TLSVerifyIdentity, TLSConfig: t,
		ConnectAttrs: map[string]string{"program_name": "orca"}}
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	s, err := xprotocol.Dial(ctx, addr, cfg)
	if hasCode(err, codeAccessDenied) {
		// The server answered: it is reachable, it refused this account.
		err = fmt.Errorf("%w: %s on %s: %w", ErrAccessDenied, a.User, addr, redact(err, a.Password))
		return Unreachable{Err: err}, err
	}
	if untrusted(err) {
		err = fmt.Errorf("%w: %w: %s: %w", ErrUnreachable, ErrUntrusted, addr, redact(err, a.Password))
		return Unreachable{Err: err}, err
	}
	if err != nil {
		err = fmt.Errorf("connect to %s: %w", addr, redact(err, a.Password))
		u := Unreachable{Err: err}
		return u, u.err()
	}
	in, err := Open(ctx, XRunner{S: s})
	if err != nil {
		_ = s.Close()
		err = fmt.Errorf("prepare the session on %s: %w", addr, err)
		if !errors.Is(err, ErrUnreachable) {
			err = fmt.Errorf("%w: %w", ErrUnreachable, err)
		}
		return Unreachable{Err: err}, err
	}
	return in, nil
}

// untrusted reports a TLS handshake refused because the server's certificate did not verify.
func untrusted(err error) bool {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &host) || errors.As(err, &invalid) || errors.As(err, &verify)
}
