package xprotocol

import (
	"errors"
	"fmt"
	"slices"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// authenticate tries the configured mechanism, or the connectors' order.
func (s *Session) authenticate(cfg Config) error {
	mechs := []string{cfg.Auth}
	switch {
	case cfg.Auth != "":
	case s.tls:
		mechs = []string{wire.AuthPlain}
	default:
		mechs = []string{wire.AuthMySQL41}
		if s.serverOffers(wire.AuthSHA256Memory) {
			mechs = append(mechs, wire.AuthSHA256Memory)
		}
	}
	var err error
	for _, m := range mechs {
		if err = s.authWith(m, cfg); err == nil {
			s.mech = m
			return nil
		}
		var xe *wire.Error
		if !errors.As(err, &xe) || xe.Code != wire.ErCodeAccessDenied {
			break
		}
	}
	return fmt.Errorf("authenticate %q with %s: %w", cfg.User, mechs[len(mechs)-1], err)
}

func (s *Session) serverOffers(mech string) bool {
	v, ok := s.caps.Get(wire.CapAuthMechanisms)
	if !ok {
		return true // not advertised: let the server decide
	}
	return slices.ContainsFunc(v.Array, func(a wire.Any) bool { t, _ := a.Text(); return t == mech })
}

// ErrPlainWithoutTLS is returned when PLAIN is requested on an unencrypted connection.
var ErrPlainWithoutTLS = errors.New("xprotocol: PLAIN authentication requires TLS")

func (s *Session) authWith(mech string, cfg Config) error {
	if mech == wire.AuthPlain {
		if !s.tls {
			return ErrPlainWithoutTLS
		}
		start := &wire.AuthenticateStart{MechName: wire.AuthPlain, AuthData: wire.AuthData(cfg.Schema, cfg.User,
			[]byte(cfg.Password))}
		return s.expectAuthOk(start)
	}
	typ, payload, err := s.call(&wire.AuthenticateStart{MechName: mech})
	if err != nil {
		return err
	}
	if typ != wire.ServerSessAuthenticateContinue {
		return fmt.Errorf("%w: got message type %d, want AuthenticateContinue", wire.ErrMalformed, typ)
	}
	var ch wire.AuthenticateChallenge
	if err := ch.Unmarshal(payload); err != nil {
		return err
	}
	salt := append([]byte(nil), ch.AuthData...)
	var resp []byte
	switch mech {
	case wire.AuthMySQL41:
		resp = wire.MySQL41Response(cfg.Password, salt)
	case wire.AuthSHA256Memory:
		resp = wire.SHA256MemoryResponse(cfg.Password, salt)
	default:
		return fmt.Errorf("xprotocol: unknown authentication mechanism %q", mech)
	}
	return s.expectAuthOk(&wire.AuthenticateContinue{AuthData: wire.AuthData(cfg.Schema, cfg.User, resp)})
}

func (s *Session) expectAuthOk(m wire.Message) error {
	typ, _, err := s.call(m)
	if err != nil {
		return err
	}
	if typ != wire.ServerSessAuthenticateOk {
		return fmt.Errorf("%w: got message type %d, want AuthenticateOk", wire.ErrMalformed, typ)
	}
	return nil
}
