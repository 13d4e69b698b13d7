package xserver

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// maxAuthFailures is how many failed attempts a connection gets before it is closed.
const maxAuthFailures = 3

// authState is a challenge-response login in progress.
type authState struct {
	mech string
	salt []byte
}

func (s *ServerSession) authStart(payload []byte) (bool, error) {
	var m wire.AuthenticateStart
	if err := m.Unmarshal(payload); err != nil {
		return s.badMessage("Session.AuthenticateStart", err)
	}
	if s.isAuthed() {
		return false, s.send(true, wire.NewError(wire.ErCodeUnknownCom, "08S01", "Unexpected message received"))
	}
	s.mu.Lock()
	tlsActive := s.tlsActive
	s.mu.Unlock()
	if s.insecureRefused(tlsActive) {
		return false, s.send(true, wire.NewError(errSecureTransportRequired, "HY000",
			"Secure transport required. To log in you must use TCP+SSL or UNIX socket connection."))
	}
	switch m.MechName {
	case wire.AuthPlain:
		if !tlsActive {
			return false, s.send(true, invalidMechanism(m.MechName))
		}
		return s.finishAuth(wire.AuthPlain, m.AuthData, nil)
	case wire.AuthMySQL41, wire.AuthSHA256Memory:
		salt := make([]byte, wire.SaltSize)
		_, _ = rand.Read(salt)
		for i := range salt { // MySQL's salt is printable and NUL-free
			salt[i] = salt[i]&0x7f | 0x01
			if salt[i] == '$' {
				salt[i] = '%'
			}
		}
		s.auth = &authState{mech: m.MechName, salt: salt}
		return false, s.send(true, &wire.AuthenticateChallenge{AuthData: salt})
	default:
		return false, s.send(true, invalidMechanism(m.MechName))
	}
}

// errSecureTransportRequired is ER_SECURE_TRANSPORT_REQUIRED.
const errSecureTransportRequired = 3159

// insecureRefused reports a login require_secure_transport refuses: TCP without TLS.
func (s *ServerSession) insecureRefused(tlsActive bool) bool {
	if s.srv.RequireSecureTransport == nil || tlsActive || s.conn.LocalAddr().Network() == "unix" {
		return false
	}
	return s.srv.RequireSecureTransport()
}

func invalidMechanism(name string) *wire.Error {
	return wire.NewError(wire.ErCodeNotSupportedAuthMode, "08004", "Invalid authentication method %s", name)
}

func (s *ServerSession) authContinue(payload []byte) (bool, error) {
	var m wire.AuthenticateContinue
	if err := m.Unmarshal(payload); err != nil {
		return s.badMessage("Session.AuthenticateContinue", err)
	}
	if s.auth == nil {
		return false, s.send(true, wire.NewError(wire.ErCodeUnknownCom, "08S01", "Unexpected message received"))
	}
	st := s.auth
	s.auth = nil
	return s.finishAuth(st.mech, m.AuthData, st.salt)
}

// finishAuth checks the credentials in data ("schema \0 user \0 response") and answers.
func (s *ServerSession) finishAuth(mech string, data, salt []byte) (bool, error) {
	schema, user, response, ok := wire.ParseAuthData(data)
	if !ok {
		return s.authFailed(user, false)
	}
	acct, found := Account{}, false
	if s.srv.Credentials != nil {
		acct, found = s.srv.Credentials.LookupAccount(user)
	}
	if !found || !s.verify(mech, acct, response, salt) {
		return s.authFailed(user, len(response) > 0)
	}
	if mech == wire.AuthPlain && pluginOf(acct) == wire.PluginCachingSHA2 {
		s.srv.cacheSHA256(user, acct.Password)
	}
	s.mu.Lock()
	s.authed, s.user, s.schema, s.mech = true, user, schema, mech
	s.mu.Unlock()
	id := &wire.Notice{Type: wire.NoticeSessionStateChanged, Scope: wire.ScopeLocal,
		Payload: wire.AppendSessionStateChanged(nil, wire.SessionStateChanged{Param: wire.StateClientIDAssigned,
			Values: []wire.Scalar{{Type: wire.ScalarUint, Uint: s.id}}})}
	return false, s.send(true, id, &wire.AuthenticateOk{})
}

func pluginOf(a Account) string {
	if a.Plugin == "" {
		return wire.PluginCachingSHA2
	}
	return a.Plugin
}

func (s *ServerSession) verify(mech string, acct Account, response, salt []byte) bool {
	switch mech {
	case wire.AuthPlain:
		return subtle.ConstantTimeCompare([]byte(acct.Password), response) == 1
	case wire.AuthMySQL41:
		return pluginOf(acct) == wire.PluginNativePassword && wire.VerifyMySQL41(acct.Password, salt, response)
	case wire.AuthSHA256Memory:
		cached, ok := s.srv.cachedSHA256(acct.User)
		if !ok {
			return false
		}
		if cached != sha256.Sum256([]byte(acct.Password)) { // the account changed since it was cached
			s.srv.ForgetCachedAuth(acct.User)
			return false
		}
		return wire.VerifySHA256Memory(cached, salt, response)
	}
	return false
}

func (s *ServerSession) authFailed(user string, usedPassword bool) (bool, error) {
	s.authFails++
	host := "localhost"
	if ta, ok := s.remote.(*net.TCPAddr); ok && !ta.IP.IsLoopback() {
		host = ta.IP.String()
	}
	yes := "NO"
	if usedPassword {
		yes = "YES"
	}
	e := wire.NewError(wire.ErCodeAccessDenied, "28000", "Access denied for user '%s'@'%s' (using password: %s)",
		user, host, yes)
	if s.authFails >= maxAuthFailures {
		e.Severity = wire.SeverityFatal
		_ = s.send(true, e)
		return true, nil
	}
	if err := s.send(true, e); err != nil {
		return true, fmt.Errorf("send access denied: %w", err)
	}
	return false, nil
}
