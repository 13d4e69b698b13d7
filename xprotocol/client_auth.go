package xprotocol

import (
	"errors"
	"fmt"
	"slices"
)

// authenticate tries the configured mechanism, or the connectors' order.
func (s *Session) authenticate(cfg Config) error {
	mechs := []string{cfg.Auth}
	switch {
	case cfg.Auth != "":
	case s.tls:
		mechs = []string{AuthPlain}
	default:
		mechs = []string{AuthMySQL41}
		if s.serverOffers(AuthSHA256Memory) {
			mechs = append(mechs, AuthSHA256Memory)
		}
	}
	var err error
	for _, m := range mechs {
		if err = s.authWith(m, cfg); err == nil {
			s.mech = m
			return nil
		}
		var xe *Error
		if !errors.As(err, &xe) || xe.Code != ErCodeAccessDenied {
			break
		}
	}
	return fmt.Errorf("authenticate %q with %s: %w", cfg.User, mechs[len(mechs)-1], err)
}

func (s *Session) serverOffers(mech string) bool {
	v, ok := s.caps.Get(CapAuthMechanisms)
	if !ok {
		return true // not advertised: let the server decide
	}
	return slices.ContainsFunc(v.Array, func(a Any) bool { t, _ := a.Text(); return t == mech })
}

// ErrPlainWithoutTLS is returned when PLAIN is requested on an unencrypted connection.
var ErrPlainWithoutTLS = errors.New("xprotocol: PLAIN authentication requires TLS")

func (s *Session) authWith(mech string, cfg Config) error {
	if mech == AuthPlain {
		if !s.tls {
			return ErrPlainWithoutTLS
		}
		start := &AuthenticateStart{MechName: AuthPlain, AuthData: AuthData(cfg.Schema, cfg.User, []byte(cfg.Password))}
		return s.expectAuthOk(start)
	}
	typ, payload, err := s.call(&AuthenticateStart{MechName: mech})
	if err != nil {
		return err
	}
	if typ != ServerSessAuthenticateContinue {
		return fmt.Errorf("%w: got message type %d, want AuthenticateContinue", ErrMalformed, typ)
	}
	var ch AuthenticateChallenge
	if err := ch.Unmarshal(payload); err != nil {
		return err
	}
	salt := append([]byte(nil), ch.AuthData...)
	var resp []byte
	switch mech {
	case AuthMySQL41:
		resp = MySQL41Response(cfg.Password, salt)
	case AuthSHA256Memory:
		resp = SHA256MemoryResponse(cfg.Password, salt)
	default:
		return fmt.Errorf("xprotocol: unknown authentication mechanism %q", mech)
	}
	return s.expectAuthOk(&AuthenticateContinue{AuthData: AuthData(cfg.Schema, cfg.User, resp)})
}

func (s *Session) expectAuthOk(m Message) error {
	typ, _, err := s.call(m)
	if err != nil {
		return err
	}
	if typ != ServerSessAuthenticateOk {
		return fmt.Errorf("%w: got message type %d, want AuthenticateOk", ErrMalformed, typ)
	}
	return nil
}
