package xserver

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
)

func (s *ServerSession) capabilities() *wire.Capabilities {
	s.mu.Lock()
	tlsActive := s.tlsActive
	s.mu.Unlock()
	var caps []wire.Capability
	if s.srv.TLSConfig != nil {
		caps = append(caps, wire.Capability{Name: wire.CapTLS, Value: wire.Bool(tlsActive)})
	}
	mechs := []wire.Any{wire.String(wire.AuthMySQL41), wire.String(wire.AuthSHA256Memory)}
	if tlsActive {
		mechs = append([]wire.Any{wire.String(wire.AuthPlain)}, mechs...)
	}
	return &wire.Capabilities{Capabilities: append(caps,
		wire.Capability{Name: wire.CapAuthMechanisms, Value: wire.Array(mechs...)},
		wire.Capability{Name: wire.CapDocFormats, Value: wire.String("text")},
		wire.Capability{Name: wire.CapInteractive, Value: wire.Bool(false)},
		wire.Capability{Name: wire.CapNodeType, Value: wire.String("mysql")},
		wire.Capability{Name: wire.CapPwdExpireOk, Value: wire.Bool(false)},
	)}
}

// capabilityChange is the validated effect of one CapabilitiesSet, applied only when all names are valid.
type capabilityChange struct {
	startTLS bool
	attrs    map[string]string
}

func (s *ServerSession) setCapabilities(payload []byte) (bool, error) {
	var m wire.CapabilitiesSet
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
	if err := s.send(true, &wire.Ok{}); err != nil {
		return true, err
	}
	if change.startTLS {
		return s.startTLS()
	}
	return false, nil
}

func (s *ServerSession) prepareCapabilities(caps []wire.Capability) (capabilityChange, *wire.Error) {
	var c capabilityChange
	s.mu.Lock()
	tlsActive, authed := s.tlsActive, s.authed
	s.mu.Unlock()
	for _, cp := range caps {
		switch cp.Name {
		case wire.CapTLS:
			on, ok := cp.Value.AsBool()
			if !ok || s.srv.TLSConfig == nil || tlsActive || authed || (!on && !tlsActive) {
				return c, prepareFailed(cp.Name)
			}
			c.startTLS = on
		case wire.CapConnectAttrs:
			attrs, ok := connectAttrs(cp.Value)
			if !ok || authed {
				return c, prepareFailed(cp.Name)
			}
			c.attrs = attrs
		case wire.CapPwdExpireOk, wire.CapInteractive:
			if _, ok := cp.Value.AsBool(); !ok {
				return c, prepareFailed(cp.Name)
			}
		case wire.CapCompression, wire.CapAuthMechanisms, wire.CapDocFormats, wire.CapNodeType:
			return c, prepareFailed(cp.Name) // read-only here, or compression which is not implemented
		default:
			return c, wire.NewError(wire.ErCodeXCapabilityNotFound, "HY000", "Capability '%s' doesn't exist", cp.Name)
		}
	}
	return c, nil
}

func prepareFailed(name string) *wire.Error {
	return wire.NewError(wire.ErCodeXCapabilitiesPrepare, "HY000", "Capability prepare failed for '%s'", name)
}

// connectAttrs accepts an object of string (or scalar) values, as connectors send.
func connectAttrs(v wire.Any) (map[string]string, bool) {
	if v.Type != wire.AnyObject || len(v.Object) > 256 {
		return nil, false
	}
	attrs := make(map[string]string, len(v.Object))
	for _, f := range v.Object {
		if f.Value.Type != wire.AnyScalar || len(f.Key) > 32 {
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
		s.sendFatal(wire.ErCodeXBadMessage, "HY000", "Unexpected data before the TLS handshake")
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
	s.fr = wire.NewFrameReader(tconn, s.srv.maxFrame())
	s.mu.Lock()
	s.tlsActive = true
	s.mu.Unlock()
	return false, nil
}
