package xprotocol

import (
	"crypto/tls"
	"fmt"
	"time"
)

// Capability names.
const (
	CapTLS            = "tls"
	CapAuthMechanisms = "authentication.mechanisms"
	CapConnectAttrs   = "session_connect_attrs"
	CapPwdExpireOk    = "client.pwd_expire_ok"
	CapInteractive    = "client.interactive"
	CapCompression    = "compression"
	CapDocFormats     = "doc.formats"
	CapNodeType       = "node_type"
)

func (s *ServerSession) capabilities() *Capabilities {
	s.mu.Lock()
	tlsActive := s.tlsActive
	s.mu.Unlock()
	var caps []Capability
	if s.srv.TLSConfig != nil {
		caps = append(caps, Capability{Name: CapTLS, Value: Bool(tlsActive)})
	}
	mechs := []Any{String(AuthMySQL41), String(AuthSHA256Memory)}
	if tlsActive {
		mechs = append([]Any{String(AuthPlain)}, mechs...)
	}
	return &Capabilities{Capabilities: append(caps,
		Capability{Name: CapAuthMechanisms, Value: Array(mechs...)},
		Capability{Name: CapDocFormats, Value: String("text")},
		Capability{Name: CapInteractive, Value: Bool(false)},
		Capability{Name: CapNodeType, Value: String("mysql")},
		Capability{Name: CapPwdExpireOk, Value: Bool(false)},
	)}
}

// capabilityChange is the validated effect of one CapabilitiesSet, applied only when all names are valid.
type capabilityChange struct {
	startTLS bool
	attrs    map[string]string
}

func (s *ServerSession) setCapabilities(payload []byte) (bool, error) {
	var m CapabilitiesSet
	if err := m.Unmarshal(payload); err != nil {
		return s.badMessage("Connection.CapabilitiesSet", err)
	}
	change, xerr := s.prepareCapabilities(m.Capabilities)
	if xerr != nil {
		return false, s.send(true, xerr)
	}
	if change.attrs != nil {
		s.mu.Lock()
		s.attrs = change.attrs
		s.mu.Unlock()
	}
	if err := s.send(true, &Ok{}); err != nil {
		return true, err
	}
	if change.startTLS {
		return s.startTLS()
	}
	return false, nil
}

func (s *ServerSession) prepareCapabilities(caps []Capability) (capabilityChange, *Error) {
	var c capabilityChange
	s.mu.Lock()
	tlsActive, authed := s.tlsActive, s.authed
	s.mu.Unlock()
	for _, cp := range caps {
		switch cp.Name {
		case CapTLS:
			on, ok := cp.Value.AsBool()
			if !ok || s.srv.TLSConfig == nil || tlsActive || authed || (!on && !tlsActive) {
				return c, prepareFailed(cp.Name)
			}
			c.startTLS = on
		case CapConnectAttrs:
			attrs, ok := connectAttrs(cp.Value)
			if !ok || authed {
				return c, prepareFailed(cp.Name)
			}
			c.attrs = attrs
		case CapPwdExpireOk, CapInteractive:
			if _, ok := cp.Value.AsBool(); !ok {
				return c, prepareFailed(cp.Name)
			}
		case CapCompression, CapAuthMechanisms, CapDocFormats, CapNodeType:
			return c, prepareFailed(cp.Name) // read-only here, or compression which Orca does not implement
		default:
			return c, NewError(ErCodeXCapabilityNotFound, "HY000", "Capability '%s' doesn't exist", cp.Name)
		}
	}
	return c, nil
}

func prepareFailed(name string) *Error {
	return NewError(ErCodeXCapabilitiesPrepare, "HY000", "Capability prepare failed for '%s'", name)
}

// connectAttrs accepts an object of string (or scalar) values, as connectors send.
func connectAttrs(v Any) (map[string]string, bool) {
	if v.Type != AnyObject || len(v.Object) > 256 {
		return nil, false
	}
	attrs := make(map[string]string, len(v.Object))
	for _, f := range v.Object {
		if f.Value.Type != AnyScalar || len(f.Key) > 32 {
			return nil, false
		}
		if t, ok := f.Value.Text(); ok {
			attrs[f.Key] = t
		} else {
			attrs[f.Key] = f.Value.Scalar.String()
		}
	}
	return attrs, true
}

func (s *ServerSession) startTLS() (bool, error) {
	if s.fr.Buffered() > 0 {
		s.sendFatal(ErCodeXBadMessage, "HY000", "Unexpected data before the TLS handshake")
		return true, nil
	}
	tconn := tls.Server(s.conn, s.srv.TLSConfig)
	_ = tconn.SetDeadline(time.Now().Add(s.srv.connectTimeout()))
	if err := tconn.HandshakeContext(s.ctx); err != nil {
		return true, fmt.Errorf("tls handshake with %s: %w", s.remote, err)
	}
	_ = tconn.SetDeadline(time.Time{})
	s.wmu.Lock()
	s.conn = tconn
	s.bw.Reset(tconn)
	s.wmu.Unlock()
	s.fr = NewFrameReader(tconn, s.srv.maxFrame())
	s.mu.Lock()
	s.tlsActive = true
	s.mu.Unlock()
	return false, nil
}
