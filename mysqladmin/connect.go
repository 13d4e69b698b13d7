package mysqladmin

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/xprotocol"
)

// Factory connects to members over the X Protocol through one dialer.
type Factory struct {
	// Dialer opens every connection (memberdial.Direct in a cluster, a loopback map in tests).
	Dialer memberdial.Dialer
	// TLS verifies the server when set; nil encrypts when the server offers TLS without verifying it, since
	// MySQL 8.4 serves self-generated certificates by default.
	TLS *tls.Config
}

// Connect opens an admin session to host:port as the given account. A failure returns an Unreachable
// instance and an error: ErrAccessDenied when the server refused the login, ErrUnreachable otherwise.
func (f Factory) Connect(ctx context.Context, host string, port int, a Account) (Instance, error) {
	cfg := xprotocol.Config{User: a.User, Password: a.Password, Dial: f.Dialer.DialContext,
		TLSMode: xprotocol.TLSPreferred, TLSConfig: f.TLS,
		ConnectAttrs: map[string]string{"program_name": "orca"}}
	if f.TLS == nil {
		cfg.TLSConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // see Factory.TLS
	} else {
		cfg.TLSMode = xprotocol.TLSVerifyIdentity
	}
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	s, err := xprotocol.Dial(ctx, addr, cfg)
	if hasCode(err, codeAccessDenied) {
		// The server answered: it is reachable, it refused this account.
		err = fmt.Errorf("%w: %s on %s: %w", ErrAccessDenied, a.User, addr, redact(err, a.Password))
		return Unreachable{Err: err}, err
	}
	if err != nil {
		err = fmt.Errorf("connect to %s: %w", addr, redact(err, a.Password))
		u := Unreachable{Err: err}
		return u, u.err()
	}
	return New(XRunner{S: s}), nil
}
