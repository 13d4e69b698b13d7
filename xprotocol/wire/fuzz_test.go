package wire

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// Fuzz targets (CI runs each for ~10 s with -fuzz=^Name$): FuzzReadFrame, FuzzDecodeClientMessage,
// FuzzDecodeServerMessage, FuzzDecodeRow, FuzzDecodeAny. Seeds live in testdata/fuzz/<Target>/ (regenerate with
// ORCA_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds).

func seedMessages() []Message {
	return []Message{
		&CapabilitiesSet{Capabilities: []Capability{{Name: CapTLS, Value: Bool(true)},
			{Name: CapConnectAttrs, Value: Object(ObjectField{Key: "_client_name", Value: String("x")})}}},
		&AuthenticateStart{MechName: AuthMySQL41}, &AuthenticateStart{MechName: AuthPlain, AuthData: AuthData("", "u",
			[]byte("p"))},
		&AuthenticateContinue{AuthData: AuthData("db", "u", []byte("*0123"))}, &SessionReset{KeepOpen: true},
		&StmtExecute{Stmt: []byte("SELECT ?"), Args: []Any{Sint(-1), String("s"), Null(), Array(Uint(1))}},
		&StmtExecute{Stmt: []byte("enable_notices"), Namespace: NamespaceMysqlx,
			Args: []Any{Object(ObjectField{Key: "notice", Value: Array(String(GRViewChange.NoticeName()))})}},
		&Ok{Msg: "bye!"}, &Error{Code: 1045, SQLState: "28000", Msg: "denied", Severity: SeverityFatal},
		&Capabilities{Capabilities: []Capability{{Name: CapAuthMechanisms, Value: Array(String(AuthMySQL41))}}},
		&AuthenticateChallenge{AuthData: []byte("01234567890123456789")}, &AuthenticateOk{},
		&Notice{Type: NoticeGroupReplicationStateChanged, Payload: AppendGroupReplicationStateChanged(nil,
			GroupReplicationStateChanged{Type: GRViewChange, ViewID: "1:2"})},
		&Notice{Type: NoticeSessionStateChanged, Scope: ScopeLocal, Payload: AppendSessionStateChanged(nil,
			SessionStateChanged{Param: StateRowsAffected, Values: []Scalar{{Type: ScalarUint, Uint: 3}}})},
		&Notice{Type: NoticeWarning, Scope: ScopeLocal, Payload: AppendWarning(nil, Warning{Code: 1, Msg: "w"})},
		&ColumnMetaData{Type: ColumnDecimal, Name: "d", Collation: 255, FractionalDigits: 2},
		&Row{Fields: [][]byte{{0x02}, []byte("abc\x00"), {0x02, 0x12, 0x34, 0xd0}}},
	}
}

func seedRows() [][2][]byte {
	col := func(t ColumnType) []byte { return []byte{byte(t)} }
	row := func(fields ...[]byte) []byte { r := Row{Fields: fields}; return r.AppendPayload(nil) }
	dec, _ := AppendDecimalField(nil, "-12.345")
	return [][2][]byte{
		{col(ColumnSint), row(AppendSintField(nil, -5), nil)},
		{col(ColumnUint), row(AppendUintField(nil, 1<<63))},
		{col(ColumnDouble), row(AppendDoubleField(nil, 1.5))},
		{col(ColumnFloat), row(AppendFloatField(nil, 2.5))},
		{col(ColumnBytes), row(AppendStringField(nil, "héllo"))},
		{col(ColumnTime), row(AppendTimeField(nil, -90*time.Minute))},
		{col(ColumnDatetime), row(AppendDateTimeField(nil, DateTime{Year: 2024, Month: 2, Day: 29, HasTime: true}))},
		{col(ColumnSet), row(AppendSetField(nil, []string{"a", "b"}), []byte{1})},
		{col(ColumnEnum), row(AppendStringField(nil, "e"))},
		{col(ColumnBit), row(AppendUintField(nil, 5))},
		{col(ColumnDecimal), row(dec)},
	}
}

func FuzzReadFrame(f *testing.F) {
	for _, m := range seedMessages() {
		f.Add(AppendFrame(nil, m))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := NewFrameReader(bytes.NewReader(data), 1<<16)
		for {
			_, p, err := fr.ReadFrame()
			if err != nil {
				return
			}
			if len(p) >= 1<<16 {
				t.Fatalf("payload of %d bytes passed a 64 KiB limit", len(p))
			}
		}
	})
}

type decoder interface{ Unmarshal([]byte) error }

func clientDecoder(typ uint8) decoder {
	switch typ {
	case ClientConCapabilitiesSet:
		return &CapabilitiesSet{}
	case ClientSessAuthenticateStart:
		return &AuthenticateStart{}
	case ClientSessAuthenticateCont:
		return &AuthenticateContinue{}
	case ClientSessReset:
		return &SessionReset{}
	case ClientSQLStmtExecute:
		return &StmtExecute{}
	}
	return nil
}

func serverDecoder(typ uint8) decoder {
	switch typ {
	case ServerOk:
		return &Ok{}
	case ServerError:
		return &Error{}
	case ServerConnCapabilities:
		return &Capabilities{}
	case ServerSessAuthenticateContinue:
		return &AuthenticateChallenge{}
	case ServerSessAuthenticateOk:
		return &AuthenticateOk{}
	case ServerNotice:
		return &Notice{}
	case ServerResultsetColumnMetaData:
		return &ColumnMetaData{}
	case ServerResultsetRow:
		return &Row{}
	}
	return nil
}

// checkRoundTrip re-encodes a decoded message and decodes it again: the result must be identical.
func checkRoundTrip(t *testing.T, m decoder, fresh func() decoder) {
	enc, ok := m.(Message)
	if !ok {
		return
	}
	again := fresh()
	if err := again.Unmarshal(enc.AppendPayload(nil)); err != nil {
		t.Fatalf("%T: re-encoded message does not decode: %v", m, err)
	}
	if !reflect.DeepEqual(normalise(m), normalise(again)) {
		t.Fatalf("%T round trip differs:\n%+v\n%+v", m, m, again)
	}
}

// normalise maps nil and empty byte slices to one form (protobuf does not distinguish them).
func normalise(m decoder) string { return fmt.Sprintf("%v", m) }

func FuzzDecodeClientMessage(f *testing.F) {
	for _, m := range seedMessages() {
		if clientDecoder(m.MessageType()) != nil && m.MessageType() >= 2 && m.MessageType() <= 12 {
			f.Add(m.MessageType(), m.AppendPayload(nil))
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, payload []byte) {
		m := clientDecoder(typ)
		if m == nil || m.Unmarshal(payload) != nil {
			return
		}
		checkRoundTrip(t, m, func() decoder { return clientDecoder(typ) })
	})
}

func FuzzDecodeServerMessage(f *testing.F) {
	for _, m := range seedMessages() {
		if serverDecoder(m.MessageType()) != nil {
			f.Add(m.MessageType(), m.AppendPayload(nil))
		}
	}
	f.Fuzz(func(t *testing.T, typ uint8, payload []byte) {
		m := serverDecoder(typ)
		if m == nil || m.Unmarshal(payload) != nil {
			return
		}
		if n, ok := m.(*Notice); ok {
			_, _ = n.Warning()
			_, _ = n.SessionStateChanged()
			_, _ = n.GroupReplicationStateChanged()
		}
		checkRoundTrip(t, m, func() decoder { return serverDecoder(typ) })
	})
}

func FuzzDecodeRow(f *testing.F) {
	for _, s := range seedRows() {
		f.Add(s[0][0], s[1])
	}
	f.Fuzz(func(t *testing.T, colType uint8, payload []byte) {
		var row Row
		if row.Unmarshal(payload) != nil {
			return
		}
		col := ColumnMetaData{Type: ColumnType(colType)}
		var v Value
		for _, field := range row.Fields {
			if err := DecodeValue(&col, field, &v); err == nil {
				_ = v.String()
			}
		}
	})
}

func FuzzDecodeAny(f *testing.F) {
	for _, a := range []Any{Sint(-1), String("x"), Null(), Double(1.5), Float(2), Bool(true), Octets([]byte{0}),
		Array(Uint(1), Array()), Object(ObjectField{Key: "k", Value: Object()})} {
		f.Add(AppendAny(nil, a))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeAny(data)
		if err != nil {
			return
		}
		_ = a.String()
		b, err := DecodeAny(AppendAny(nil, a))
		if err != nil || a.String() != b.String() {
			t.Fatalf("round trip: %v / %v vs %v", err, a, b)
		}
	})
}

// TestWriteFuzzSeeds writes the committed seed corpus (only with ORCA_WRITE_FUZZ_SEEDS=1).
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("ORCA_WRITE_FUZZ_SEEDS") != "1" {
		return
	}
	write := func(target string, i int, body string) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
		if err := os.WriteFile(name, []byte("go test fuzz v1\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range seedMessages() {
		frame := AppendFrame(nil, m)
		write("FuzzReadFrame", i, fmt.Sprintf("[]byte(%q)\n", frame))
		if clientDecoder(m.MessageType()) != nil && m.MessageType() != ServerOk {
			write("FuzzDecodeClientMessage", i, fmt.Sprintf("byte(%q)\n[]byte(%q)\n", m.MessageType(),
				m.AppendPayload(nil)))
		}
		if serverDecoder(m.MessageType()) != nil {
			write("FuzzDecodeServerMessage", i, fmt.Sprintf("byte(%q)\n[]byte(%q)\n", m.MessageType(),
				m.AppendPayload(nil)))
		}
	}
	for i, s := range seedRows() {
		write("FuzzDecodeRow", i, fmt.Sprintf("byte(%q)\n[]byte(%q)\n", s[0][0], s[1]))
	}
	for i, a := range []Any{Sint(-1), String("x"), Array(Uint(1), Array()), Object(ObjectField{Key: "k",
		Value: Null()})} {
		write("FuzzDecodeAny", i, fmt.Sprintf("[]byte(%q)\n", AppendAny(nil, a)))
	}
}
