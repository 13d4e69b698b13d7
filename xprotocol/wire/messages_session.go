package wire

// AuthenticateStart is a Session.AuthenticateStart message (client -> server).
type AuthenticateStart struct {
	MechName        string
	AuthData        []byte
	InitialResponse []byte
}

// MessageType implements Message.
func (m *AuthenticateStart) MessageType() uint8 { return ClientSessAuthenticateStart }

// AppendPayload implements Message.
func (m *AuthenticateStart) AppendPayload(b []byte) []byte {
	b = appendStringField(b, 1, m.MechName)
	if m.AuthData != nil {
		b = appendBytesField(b, 2, m.AuthData)
	}
	if m.InitialResponse != nil {
		b = appendBytesField(b, 3, m.InitialResponse)
	}
	return b
}

// Unmarshal decodes an AuthenticateStart payload; byte fields alias b.
func (m *AuthenticateStart) Unmarshal(b []byte) error {
	*m = AuthenticateStart{}
	seen := false
	r := newFieldReader(b)
	for r.next() {
		switch r.num {
		case 1:
			m.MechName = string(r.bytes())
			seen = true
		case 2:
			m.AuthData = r.bytes()
		case 3:
			m.InitialResponse = r.bytes()
		}
	}
	if r.err == nil && !seen {
		return missing("AuthenticateStart", "mech_name")
	}
	return r.err
}

// AuthenticateContinue is a Session.AuthenticateContinue sent by the client (type 5).
type AuthenticateContinue struct{ AuthData []byte }

// MessageType implements Message.
func (m *AuthenticateContinue) MessageType() uint8 { return ClientSessAuthenticateCont }

// AppendPayload implements Message.
func (m *AuthenticateContinue) AppendPayload(b []byte) []byte {
	return appendBytesField(b, 1, m.AuthData)
}

// Unmarshal decodes the payload; AuthData aliases b.
func (m *AuthenticateContinue) Unmarshal(b []byte) error {
	data, err := decodeAuthData(b, "AuthenticateContinue", true)
	m.AuthData = data
	return err
}

// AuthenticateChallenge is a Session.AuthenticateContinue sent by the server (type 3), e.g. the salt.
type AuthenticateChallenge struct{ AuthData []byte }

// MessageType implements Message.
func (m *AuthenticateChallenge) MessageType() uint8 { return ServerSessAuthenticateContinue }

// AppendPayload implements Message.
func (m *AuthenticateChallenge) AppendPayload(b []byte) []byte {
	return appendBytesField(b, 1, m.AuthData)
}

// Unmarshal decodes the payload; AuthData aliases b.
func (m *AuthenticateChallenge) Unmarshal(b []byte) error {
	data, err := decodeAuthData(b, "AuthenticateContinue", true)
	m.AuthData = data
	return err
}

// AuthenticateOk is a Session.AuthenticateOk message (server -> client).
type AuthenticateOk struct{ AuthData []byte }

// MessageType implements Message.
func (m *AuthenticateOk) MessageType() uint8 { return ServerSessAuthenticateOk }

// AppendPayload implements Message.
func (m *AuthenticateOk) AppendPayload(b []byte) []byte {
	if m.AuthData != nil {
		b = appendBytesField(b, 1, m.AuthData)
	}
	return b
}

// Unmarshal decodes the payload; AuthData aliases b.
func (m *AuthenticateOk) Unmarshal(b []byte) error {
	data, err := decodeAuthData(b, "AuthenticateOk", false)
	m.AuthData = data
	return err
}

func decodeAuthData(b []byte, msg string, required bool) ([]byte, error) {
	var data []byte
	seen := false
	r := newFieldReader(b)
	for r.next() {
		if r.num == 1 {
			data = r.bytes()
			seen = true
		}
	}
	if r.err == nil && required && !seen {
		return nil, missing(msg, "auth_data")
	}
	return data, r.err
}

// SessionReset is a Session.Reset message (client -> server).
type SessionReset struct{ KeepOpen bool }

// MessageType implements Message.
func (m *SessionReset) MessageType() uint8 { return ClientSessReset }

// AppendPayload implements Message.
func (m *SessionReset) AppendPayload(b []byte) []byte {
	if m.KeepOpen {
		b = appendBoolField(b, 1, true)
	}
	return b
}

// Unmarshal decodes a Reset payload.
func (m *SessionReset) Unmarshal(b []byte) error {
	*m = SessionReset{}
	r := newFieldReader(b)
	for r.next() {
		if r.num == 1 {
			m.KeepOpen = r.varint() != 0
		}
	}
	return r.err
}

// SessionClose is a Session.Close message (client -> server).
type SessionClose struct{}

// MessageType implements Message.
func (m *SessionClose) MessageType() uint8 { return ClientSessClose }

// AppendPayload implements Message.
func (m *SessionClose) AppendPayload(b []byte) []byte { return b }
