package wire

// Ok is a Mysqlx.Ok message (server -> client).
type Ok struct{ Msg string }

// MessageType implements Message.
func (m *Ok) MessageType() uint8 { return ServerOk }

// AppendPayload implements Message.
func (m *Ok) AppendPayload(b []byte) []byte {
	if m.Msg != "" {
		b = appendStringField(b, 1, m.Msg)
	}
	return b
}

// Unmarshal decodes an Ok payload.
func (m *Ok) Unmarshal(b []byte) error {
	*m = Ok{}
	r := newFieldReader(b)
	for r.next() {
		if r.num == 1 {
			m.Msg = string(r.bytes())
		}
	}
	return r.err
}

// Capability is a Connection.Capability: a name and its value.
type Capability struct {
	Name  string
	Value Any
}

// Capabilities is a Connection.Capabilities message (server -> client answer to CapabilitiesGet).
type Capabilities struct{ Capabilities []Capability }

// MessageType implements Message.
func (m *Capabilities) MessageType() uint8 { return ServerConnCapabilities }

// AppendPayload implements Message.
func (m *Capabilities) AppendPayload(b []byte) []byte { return appendCapabilityList(b, m.Capabilities) }

// Unmarshal decodes a Capabilities payload.
func (m *Capabilities) Unmarshal(b []byte) error {
	caps, err := decodeCapabilityList(b)
	m.Capabilities = caps
	return err
}

// Get returns the value of the named capability.
func (m *Capabilities) Get(name string) (Any, bool) {
	for _, c := range m.Capabilities {
		if c.Name == name {
			return c.Value, true
		}
	}
	return Any{}, false
}

func appendCapabilityList(b []byte, caps []Capability) []byte {
	for _, c := range caps {
		var start int
		b, start = beginMessage(b, 1)
		b = appendStringField(b, 1, c.Name)
		vb, vstart := beginMessage(b, 2)
		b = endMessage(endMessage(AppendAny(vb, c.Value), vstart), start)
	}
	return b
}

func decodeCapabilityList(b []byte) ([]Capability, error) {
	return decodeRepeated(b, 0, func(v []byte, _ int) (Capability, error) { return decodeCapability(v) })
}

func decodeCapability(b []byte) (Capability, error) {
	var c Capability
	var err error
	var seen uint8
	r := newFieldReader(b)
	for r.next() {
		switch r.num {
		case 1:
			c.Name = string(r.bytes())
			seen |= 1
		case 2:
			if v := r.bytes(); r.err == nil {
				c.Value, err = DecodeAny(v)
				seen |= 2
			}
		}
		if err != nil {
			return c, err
		}
	}
	if r.err == nil && seen != 3 {
		return c, missing("Capability", "name/value")
	}
	return c, r.err
}

// CapabilitiesGet is a Connection.CapabilitiesGet message (client -> server).
type CapabilitiesGet struct{}

// MessageType implements Message.
func (m *CapabilitiesGet) MessageType() uint8 { return ClientConCapabilitiesGet }

// AppendPayload implements Message.
func (m *CapabilitiesGet) AppendPayload(b []byte) []byte { return b }

// CapabilitiesSet is a Connection.CapabilitiesSet message (client -> server).
type CapabilitiesSet struct{ Capabilities []Capability }

// MessageType implements Message.
func (m *CapabilitiesSet) MessageType() uint8 { return ClientConCapabilitiesSet }

// AppendPayload implements Message.
func (m *CapabilitiesSet) AppendPayload(b []byte) []byte {
	b, start := beginMessage(b, 1)
	return endMessage(appendCapabilityList(b, m.Capabilities), start)
}

// Unmarshal decodes a CapabilitiesSet payload.
func (m *CapabilitiesSet) Unmarshal(b []byte) error {
	*m = CapabilitiesSet{}
	seen := false
	r := newFieldReader(b)
	for r.next() {
		if r.num != 1 {
			continue
		}
		v := r.bytes()
		if r.err != nil {
			break
		}
		caps, err := decodeCapabilityList(v)
		if err != nil {
			return err
		}
		m.Capabilities = append(m.Capabilities, caps...)
		seen = true
	}
	if r.err == nil && !seen {
		return missing("CapabilitiesSet", "capabilities")
	}
	return r.err
}

// ConnectionClose is a Connection.Close message (client -> server): the server answers Ok and closes.
type ConnectionClose struct{}

// MessageType implements Message.
func (m *ConnectionClose) MessageType() uint8 { return ClientConClose }

// AppendPayload implements Message.
func (m *ConnectionClose) AppendPayload(b []byte) []byte { return b }

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
