package wire

// Namespaces of StmtExecute.
const (
	NamespaceSQL    = "sql"
	NamespaceMysqlx = "mysqlx"
)

// StmtExecute is a Sql.StmtExecute message (client -> server). Namespace "" means "sql".
type StmtExecute struct {
	Stmt            []byte
	Args            []Any
	Namespace       string
	CompactMetadata bool
}

// MessageType implements Message.
func (m *StmtExecute) MessageType() uint8 { return ClientSQLStmtExecute }

// AppendPayload implements Message.
func (m *StmtExecute) AppendPayload(b []byte) []byte {
	b = appendBytesField(b, 1, m.Stmt)
	for _, a := range m.Args {
		ab, start := beginMessage(b, 2)
		b = endMessage(AppendAny(ab, a), start)
	}
	if m.Namespace != "" && m.Namespace != NamespaceSQL {
		b = appendStringField(b, 3, m.Namespace)
	}
	if m.CompactMetadata {
		b = appendBoolField(b, 4, true)
	}
	return b
}

// Unmarshal decodes a StmtExecute payload. Stmt aliases b; arguments are copied into a new slice (a
// Handler may keep them). An absent namespace decodes as "sql".
func (m *StmtExecute) Unmarshal(b []byte) error {
	*m = StmtExecute{Namespace: NamespaceSQL}
	seen := false
	r := newFieldReader(b)
	for r.next() {
		switch r.num {
		case 1:
			m.Stmt = r.bytes()
			seen = true
		case 2:
			if v := r.bytes(); r.err == nil {
				a, err := DecodeAny(v)
				if err != nil {
					return err
				}
				m.Args = append(m.Args, a)
			}
		case 3:
			// An empty namespace is the default one ("sql"), as the encoder writes it: keep it canonical.
			if ns := r.bytes(); len(ns) > 0 {
				m.Namespace = string(ns)
			}
		case 4:
			m.CompactMetadata = r.varint() != 0
		}
	}
	if r.err == nil && !seen {
		return missing("StmtExecute", "stmt")
	}
	return r.err
}

// StmtExecuteOk is a Sql.StmtExecuteOk message (server -> client): the statement finished.
type StmtExecuteOk struct{}

// MessageType implements Message.
func (m *StmtExecuteOk) MessageType() uint8 { return ServerSQLStmtExecuteOk }

// AppendPayload implements Message.
func (m *StmtExecuteOk) AppendPayload(b []byte) []byte { return b }

// Empty is a message without fields (FetchDone and friends), named by its type: Empty(ServerResultsetFetchDone).
type Empty uint8

// MessageType implements Message.
func (m Empty) MessageType() uint8 { return uint8(m) }

// AppendPayload implements Message.
func (m Empty) AppendPayload(b []byte) []byte { return b }
