package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestFrameReader(t *testing.T) {
	var stream []byte
	stream = AppendFrame(stream, &Ok{Msg: "hi"})
	big := bytes.Repeat([]byte{'x'}, 3<<20+17)
	stream = AppendRawFrame(stream, ServerNotice, big)
	stream = AppendFrame(stream, Empty(ServerSQLStmtExecuteOk))
	fr := NewFrameReader(bytes.NewReader(stream), 4<<20)
	typ, p, err := fr.ReadFrame()
	var ok Ok
	if err != nil || typ != ServerOk || ok.Unmarshal(p) != nil || ok.Msg != "hi" {
		t.Fatalf("frame 1: %d %v %q", typ, err, ok.Msg)
	}
	typ, p, err = fr.ReadFrame()
	if err != nil || typ != ServerNotice || !bytes.Equal(p, big) {
		t.Fatalf("frame 2: %d %v len %d", typ, err, len(p))
	}
	typ, p, err = fr.ReadFrame()
	if err != nil || typ != ServerSQLStmtExecuteOk || len(p) != 0 {
		t.Fatalf("frame 3: %d %v", typ, err)
	}
	if _, _, err = fr.ReadFrame(); !errors.Is(err, io.EOF) {
		t.Fatalf("end: %v, want io.EOF", err)
	}
}

func TestFrameReaderBadInput(t *testing.T) {
	le := func(n uint32, rest ...byte) []byte { return append(binary.LittleEndian.AppendUint32(nil, n), rest...) }
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"truncated header", []byte{5, 0}, io.ErrUnexpectedEOF},
		{"no type byte", le(3), io.ErrUnexpectedEOF},
		{"truncated payload", le(10, 1, 2, 3), io.ErrUnexpectedEOF},
		{"zero length", le(0), ErrEmptyFrame},
		{"oversized", le(1<<20+1, 1), ErrFrameTooLarge},
		{"hostile 4 GiB", le(0xffffffff, 1), ErrFrameTooLarge},
	}
	for _, c := range cases {
		fr := NewFrameReader(bytes.NewReader(c.in), 1<<20)
		if _, _, err := fr.ReadFrame(); !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
}

// A length prefix just under the limit must not allocate that much before the bytes arrive.
func TestFrameReaderHostileLengthAllocatesLittle(t *testing.T) {
	in := binary.LittleEndian.AppendUint32(nil, 1<<30)
	in = append(in, 1, 2, 3)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fr := NewFrameReader(bytes.NewReader(in), 1<<31)
	if _, _, err := fr.ReadFrame(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err %v", err)
	}
	runtime.ReadMemStats(&after)
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 8<<20 {
		t.Fatalf("allocated %d bytes for a 3-byte payload claiming 1 GiB", grown)
	}
}

type unmarshaler interface {
	Message
	Unmarshal([]byte) error
}

func TestMessageRoundTrip(t *testing.T) {
	args := []Any{Sint(-3), Uint(7), Null(), Octets([]byte{0, 1}), Double(1.25), Float(2.5), Bool(true), String("s"),
		Array(String("a"), Sint(1)), Object(ObjectField{Key: "k", Value: Array(String(strings.Repeat("v", 300)))})}
	msgs := []struct{ in, out unmarshaler }{
		{&Ok{Msg: "bye"}, &Ok{}},
		{&Error{Severity: SeverityFatal, Code: 1045, SQLState: "28000", Msg: "denied"}, &Error{}},
		{&Capabilities{Capabilities: []Capability{{Name: "tls", Value: Bool(true)}, {Name: "m",
			Value: Array(String("PLAIN"))}}}, &Capabilities{}},
		{&CapabilitiesSet{Capabilities: []Capability{{Name: CapConnectAttrs, Value: Object(ObjectField{Key: "a",
			Value: String("b")})}}}, &CapabilitiesSet{}},
		{&AuthenticateStart{MechName: "PLAIN", AuthData: []byte("\x00u\x00p"), InitialResponse: []byte("r")},
			&AuthenticateStart{}},
		{&AuthenticateContinue{AuthData: []byte("data")}, &AuthenticateContinue{}},
		{&AuthenticateChallenge{AuthData: []byte("salt")}, &AuthenticateChallenge{}},
		{&AuthenticateOk{AuthData: []byte("x")}, &AuthenticateOk{}},
		{&SessionReset{KeepOpen: true}, &SessionReset{}},
		{&StmtExecute{Stmt: []byte("SELECT ?"), Args: args, Namespace: "mysqlx", CompactMetadata: true},
			&StmtExecute{}},
		{&ColumnMetaData{Type: ColumnDecimal, Name: "n", OriginalName: "o", Table: "t", OriginalTable: "ot",
			Schema:  "s",
			Catalog: "def", Collation: 255, FractionalDigits: 2, Length: 10, Flags: FlagUnsigned, ContentType: 2}, &ColumnMetaData{}},
		{&Row{Fields: [][]byte{{1}, {}, []byte("abc\x00")}}, &Row{}},
		{&Notice{Type: NoticeWarning, Scope: ScopeLocal, Payload: AppendWarning(nil, Warning{Level: WarningNote,
			Code: 1, Msg: "m"})}, &Notice{}},
	}
	for _, m := range msgs {
		frame := AppendFrame(nil, m.in)
		typ, payload, err := NewFrameReader(bytes.NewReader(frame), 0).ReadFrame()
		if err != nil || typ != m.in.MessageType() {
			t.Fatalf("%T: frame %d %v", m.in, typ, err)
		}
		if err := m.out.Unmarshal(payload); err != nil {
			t.Fatalf("%T: %v", m.in, err)
		}
		if !reflect.DeepEqual(m.in, m.out) {
			t.Errorf("%T round trip\n got %+v\nwant %+v", m.in, m.out, m.in)
		}
	}
}

func TestNoticePayloads(t *testing.T) {
	n := Notice{Type: NoticeGroupReplicationStateChanged, Payload: AppendGroupReplicationStateChanged(nil,
		GroupReplicationStateChanged{Type: GRViewChange, ViewID: "17000:3"})}
	g, err := n.GroupReplicationStateChanged()
	if err != nil || g.Type != GRViewChange || g.ViewID != "17000:3" || g.Type.NoticeName() != "group_replication/membership/view" {
		t.Fatalf("%+v %v", g, err)
	}
	n = Notice{Type: NoticeSessionStateChanged, Payload: AppendSessionStateChanged(nil, SessionStateChanged{
		Param: StateRowsAffected, Values: []Scalar{{Type: ScalarUint, Uint: 9}}})}
	st, err := n.SessionStateChanged()
	if err != nil || st.Param != StateRowsAffected || st.Values[0].Uint != 9 {
		t.Fatalf("%+v %v", st, err)
	}
	if _, err := n.Warning(); err == nil {
		t.Fatal("decoded a session state notice as a warning")
	}
}

func TestRequiredFields(t *testing.T) {
	for _, m := range []unmarshaler{&StmtExecute{}, &AuthenticateStart{}, &AuthenticateContinue{}, &Error{},
		&ColumnMetaData{}, &Notice{}, &CapabilitiesSet{}} {
		if err := m.Unmarshal(nil); !errors.Is(err, ErrMalformed) {
			t.Errorf("%T without required fields: %v", m, err)
		}
	}
}

func TestGarbageProtobuf(t *testing.T) {
	garbage := [][]byte{{0xff}, {0x0a, 0x05, 1}, {0x08}, {0x0b}, {0x0a, 0x80}, {0x12, 0x02, 0x08, 0x09}}
	for _, g := range garbage {
		for _, m := range []unmarshaler{&StmtExecute{}, &AuthenticateStart{}, &Error{}, &ColumnMetaData{}, &Row{},
			&Notice{}, &CapabilitiesSet{}, &Capabilities{}} {
			_ = m.Unmarshal(g) // must not panic
		}
		if _, err := DecodeAny(g); err == nil {
			t.Errorf("DecodeAny(%x) accepted garbage", g)
		}
	}
}

func TestAnyDepthLimit(t *testing.T) {
	a := Sint(1)
	for i := 0; i < 100; i++ {
		a = Array(a)
	}
	if _, err := DecodeAny(AppendAny(nil, a)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("deep nesting: %v", err)
	}
}

func TestAuthScrambles(t *testing.T) {
	salt := []byte("01234567890123456789")
	schema, user, resp, ok := ParseAuthData(append(AuthData("db", "u", MySQL41Response("pw", salt)), 0))
	if !ok || schema != "db" || user != "u" || !VerifyMySQL41("pw", salt, resp) || VerifyMySQL41("px", salt, resp) {
		t.Fatalf("MYSQL41: %q %q %q %v", schema, user, resp, ok)
	}
	if len(resp) != 41 || resp[0] != '*' {
		t.Fatalf("MYSQL41 response %q", resp)
	}
	if r := SHA256MemoryResponse("pw", salt); len(r) != 64 {
		t.Fatalf("SHA256_MEMORY response %q", r)
	}
	if _, _, _, ok := ParseAuthData([]byte("no-nul")); ok {
		t.Fatal("ParseAuthData accepted data without NULs")
	}
}
