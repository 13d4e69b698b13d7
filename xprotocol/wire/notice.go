package wire

import "fmt"

// NoticeType is Notice.Frame.Type.
type NoticeType uint32

// Notice types.
const (
	NoticeWarning                      NoticeType = 1
	NoticeSessionVariableChanged       NoticeType = 2
	NoticeSessionStateChanged          NoticeType = 3
	NoticeGroupReplicationStateChanged NoticeType = 4
	NoticeServerHello                  NoticeType = 5
)

// NoticeScope is Notice.Frame.Scope.
type NoticeScope uint8

// Notice scopes: GLOBAL notices may arrive at any time, LOCAL ones belong to the current statement.
const (
	ScopeGlobal NoticeScope = 1
	ScopeLocal  NoticeScope = 2
)

// Notice is a Notice.Frame message. Payload holds the encoded Warning, SessionStateChanged,
// GroupReplicationStateChanged... message; decode it with the matching method.
type Notice struct {
	Type    NoticeType
	Scope   NoticeScope
	Payload []byte
}

// MessageType implements Message.
func (m *Notice) MessageType() uint8 { return ServerNotice }

// AppendPayload implements Message.
func (m *Notice) AppendPayload(b []byte) []byte {
	b = appendVarintField(b, 1, uint64(m.Type))
	if m.Scope != 0 && m.Scope != ScopeGlobal {
		b = appendVarintField(b, 2, uint64(m.Scope))
	}
	if m.Payload != nil {
		b = appendBytesField(b, 3, m.Payload)
	}
	return b
}

// Unmarshal decodes a Notice.Frame payload; Payload aliases b. An absent scope decodes as GLOBAL.
func (m *Notice) Unmarshal(b []byte) error {
	*m = Notice{Scope: ScopeGlobal}
	seen := false
	r := newFieldReader(b)
	for r.next() {
		switch r.num {
		case 1:
			m.Type = NoticeType(r.varint())
			seen = true
		case 2:
			// Scope is a closed proto2 enum: a value outside it is an unknown field and the default
			// (GLOBAL) stays, as protobuf's own decoders do.
			if v := r.varint(); v == uint64(ScopeGlobal) || v == uint64(ScopeLocal) {
				m.Scope = NoticeScope(v)
			}
		case 3:
			m.Payload = r.bytes()
		}
	}
	if r.err == nil && !seen {
		return missing("Notice.Frame", "type")
	}
	return r.err
}

// WarningLevel is Notice.Warning.Level.
type WarningLevel uint8

// Warning levels.
const (
	WarningNote    WarningLevel = 1
	WarningWarning WarningLevel = 2
	WarningError   WarningLevel = 3
)

// Warning is a Notice.Warning payload.
type Warning struct {
	Level WarningLevel
	Code  uint32
	Msg   string
}

// AppendWarning encodes a Warning payload.
func AppendWarning(b []byte, w Warning) []byte {
	if w.Level != 0 && w.Level != WarningWarning {
		b = appendVarintField(b, 1, uint64(w.Level))
	}
	b = appendVarintField(b, 2, uint64(w.Code))
	return appendStringField(b, 3, w.Msg)
}

// Warning decodes the payload of a WARNING notice (default level WARNING).
func (m *Notice) Warning() (Warning, error) {
	if m.Type != NoticeWarning {
		return Warning{}, fmt.Errorf("notice type %d is not a warning", m.Type)
	}
	w := Warning{Level: WarningWarning}
	r := newFieldReader(m.Payload)
	for r.next() {
		switch r.num {
		case 1:
			// Level is a closed proto2 enum: values outside it are unknown and the default stays.
			if v := r.varint(); v >= uint64(WarningNote) && v <= uint64(WarningError) {
				w.Level = WarningLevel(v)
			}
		case 2:
			w.Code = uint32(r.varint())
		case 3:
			w.Msg = string(r.bytes())
		}
	}
	return w, r.err
}

// SessionStateParam is Notice.SessionStateChanged.Parameter.
type SessionStateParam uint32

// Session state parameters.
const (
	StateCurrentSchema        SessionStateParam = 1
	StateAccountExpired       SessionStateParam = 2
	StateGeneratedInsertID    SessionStateParam = 3
	StateRowsAffected         SessionStateParam = 4
	StateRowsFound            SessionStateParam = 5
	StateRowsMatched          SessionStateParam = 6
	StateTrxCommitted         SessionStateParam = 7
	StateTrxRolledBack        SessionStateParam = 9
	StateProducedMessage      SessionStateParam = 10
	StateClientIDAssigned     SessionStateParam = 11
	StateGeneratedDocumentIDs SessionStateParam = 12
)

// SessionStateChanged is a Notice.SessionStateChanged payload.
type SessionStateChanged struct {
	Param  SessionStateParam
	Values []Scalar
}

// AppendSessionStateChanged encodes a SessionStateChanged payload.
func AppendSessionStateChanged(b []byte, s SessionStateChanged) []byte {
	b = appendVarintField(b, 1, uint64(s.Param))
	for _, v := range s.Values {
		vb, start := beginMessage(b, 2)
		b = endMessage(AppendScalar(vb, v), start)
	}
	return b
}

// SessionStateChanged decodes the payload of a SESSION_STATE_CHANGED notice.
func (m *Notice) SessionStateChanged() (SessionStateChanged, error) {
	if m.Type != NoticeSessionStateChanged {
		return SessionStateChanged{}, fmt.Errorf("notice type %d is not a session state change", m.Type)
	}
	var s SessionStateChanged
	r := newFieldReader(m.Payload)
	for r.next() {
		switch r.num {
		case 1:
			s.Param = SessionStateParam(r.varint())
		case 2:
			if v := r.bytes(); r.err == nil {
				sc, err := DecodeScalar(v)
				if err != nil {
					return s, err
				}
				s.Values = append(s.Values, sc)
			}
		}
	}
	return s, r.err
}

// GRChange is Notice.GroupReplicationStateChanged.Type.
type GRChange uint32

// Group Replication change kinds.
const (
	GRQuorumLoss  GRChange = 1
	GRViewChange  GRChange = 2
	GRRoleChange  GRChange = 3
	GRStateChange GRChange = 4
)

const noticeNameBase = "group_replication/"

// NoticeName returns the name enable_notices uses for this change kind.
func (c GRChange) NoticeName() string {
	switch c {
	case GRQuorumLoss:
		return noticeNameBase + "membership/quorum_loss"
	case GRViewChange:
		return noticeNameBase + "membership/view"
	case GRRoleChange:
		return noticeNameBase + "status/role_change"
	case GRStateChange:
		return noticeNameBase + "status/state_change"
	}
	return ""
}

// GroupReplicationStateChanged is a Notice.GroupReplicationStateChanged payload.
type GroupReplicationStateChanged struct {
	Type   GRChange
	ViewID string
}

// AppendGroupReplicationStateChanged encodes the payload.
func AppendGroupReplicationStateChanged(b []byte, g GroupReplicationStateChanged) []byte {
	b = appendVarintField(b, 1, uint64(g.Type))
	if g.ViewID != "" {
		b = appendStringField(b, 2, g.ViewID)
	}
	return b
}

// GroupReplicationStateChanged decodes the payload of a GROUP_REPLICATION_STATE_CHANGED notice.
func (m *Notice) GroupReplicationStateChanged() (GroupReplicationStateChanged, error) {
	if m.Type != NoticeGroupReplicationStateChanged {
		return GroupReplicationStateChanged{}, fmt.Errorf("notice type %d is not a group replication change", m.Type)
	}
	var g GroupReplicationStateChanged
	r := newFieldReader(m.Payload)
	for r.next() {
		switch r.num {
		case 1:
			g.Type = GRChange(r.varint())
		case 2:
			g.ViewID = string(r.bytes())
		}
	}
	return g, r.err
}

// Notice names accepted by enable_notices / disable_notices / list_notices.
const (
	NoticeNameWarnings = "warnings"
)

// ToggleableNotices lists the notice names a client can enable or disable, in list_notices order.
var ToggleableNotices = []string{
	NoticeNameWarnings,
	GRQuorumLoss.NoticeName(),
	GRViewChange.NoticeName(),
	GRRoleChange.NoticeName(),
	GRStateChange.NoticeName(),
}

// GroupReplicationNotices lists the four Group Replication notice names (what MySQL Router enables).
var GroupReplicationNotices = ToggleableNotices[1:]
