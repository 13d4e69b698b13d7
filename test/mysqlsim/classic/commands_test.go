package classic

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestGreetingAdvertisesMySQL84(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		wantVersion := map[bool]string{false: "8.4.3", true: "8.4.3-sim"}[tlsOn] // default, then configured
		_, _, addr := newTestServer(t, tlsOn, func(s *Server) {
			if tlsOn {
				s.Version = wantVersion
			}
		})
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		g, err := newPacketIO(nc, 1<<20).readPacket()
		if err != nil {
			t.Fatal(err)
		}
		d := &decoder{b: g}
		proto, version, _ := d.uint8(), d.nulString(), d.uint32()
		d.bytes(8 + 1)
		capsLo := d.uint16()
		charset, status, capsHi, authLen := d.uint8(), d.uint16(), d.uint16(), d.uint8()
		d.bytes(10 + 13)
		plugin := d.nulString()
		if d.err != nil || len(d.b) != 0 {
			t.Fatalf("malformed greeting %q", g)
		}
		caps := uint32(capsLo) | uint32(capsHi)<<16
		if proto != 10 || version != wantVersion || charset != 255 || status != 2 || authLen != 21 ||
			plugin != PluginCachingSHA2 {
			t.Fatalf("greeting: proto=%d version=%q charset=%d status=%d authLen=%d plugin=%q",
				proto, version, charset, status, authLen, plugin)
		}
		must := []uint32{capProtocol41, capSecureConnection, capPluginAuth, capPluginAuthLenEncData, capConnectWithDB,
			capDeprecateEOF, capTransactions, capMultiResults, capMultiStatements, capConnectAttrs, capLongPassword}
		for _, f := range must {
			if caps&f == 0 {
				t.Errorf("capability 0x%x missing from 0x%x", f, caps)
			}
		}
		if (caps&capSSL != 0) != tlsOn {
			t.Errorf("CLIENT_SSL=%v with TLS=%v", caps&capSSL != 0, tlsOn)
		}
	}
}

func TestCommandsOverRawProtocol(t *testing.T) {
	s, _, addr := newTestServer(t, false)
	r := dialRaw(t, addr, capDeprecateEOF)

	// COM_INIT_DB
	if p := r.command(comInitDB, "app"); p[0] != 0x00 {
		t.Fatalf("COM_INIT_DB: %q", p)
	}
	conns := s.Conns()
	if len(conns) != 1 || conns[0].Schema() != "app" {
		t.Fatalf("schema after COM_INIT_DB not app")
	}
	expectErrPacket(t, r.command(comInitDB, ""), 1046, "3D000", "No database selected")

	// COM_PING
	if st := okStatus(t, r.command(comPing, "")); st != StatusAutocommit {
		t.Fatalf("ping status 0x%x", st)
	}

	// COM_QUERY with a transaction open shows in the status, COM_RESET_CONNECTION clears it.
	if st := okStatus(t, r.command(comQuery, "BEGIN")); st != StatusAutocommit|StatusInTrans {
		t.Fatalf("status after BEGIN 0x%x", st)
	}
	okStatus(t, r.command(comQuery, "SET v = 1"))
	if st := okStatus(t, r.command(comResetConnection, "")); st != StatusAutocommit {
		t.Fatalf("status after reset 0x%x", st)
	}
	if conns[0].Value() != nil || conns[0].Schema() != "app" {
		t.Fatal("COM_RESET_CONNECTION must drop the session value and keep the schema")
	}

	// COM_SET_OPTION toggles multi-statements and answers with an EOF-style OK.
	if p := r.command(comSetOption, "\x00\x00"); p[0] != 0xfe || !conns[0].MultiStatements() {
		t.Fatalf("COM_SET_OPTION on: %q", p)
	}
	if p := r.command(comSetOption, "\x01\x00"); p[0] != 0xfe || conns[0].MultiStatements() {
		t.Fatalf("COM_SET_OPTION off: %q", p)
	}

	// COM_STATISTICS
	if p := r.command(comStatistics, ""); !strings.HasPrefix(string(p), "Uptime: ") {
		t.Fatalf("COM_STATISTICS: %q", p)
	}

	// Unsupported commands: COM_FIELD_LIST, COM_STMT_PREPARE, COM_BINLOG_DUMP, an unassigned byte, and
	// COM_REGISTER_SLAVE and COM_BINLOG_DUMP_GTID on a server without Replication.
	for _, cmd := range []byte{0x04, 0x16, 0x12, 0x7f, 0x15, 0x1e} {
		expectErrPacket(t, r.command(cmd, "x"), 1047, "08S01", "Unknown command")
	}
	expectErrPacket(t, r.command(comQuery, "ERROR"), 1146, "42S02", "Table 'test.nope' doesn't exist")
	if p := r.command(comPing, ""); p[0] != 0x00 {
		t.Fatalf("connection unusable after errors: %q", p)
	}

	// COM_QUIT closes the connection.
	r.pkt.seq = 0
	r.write([]byte{comQuit})
	if _, err := r.pkt.readPacket(); err == nil {
		t.Fatal("connection still open after COM_QUIT")
	}
}

// Without CLIENT_DEPRECATE_EOF a result set has EOF packets after the columns and after the rows.
func TestResultSetWithEOFPackets(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	r := dialRaw(t, addr, 0)
	if p := r.command(comQuery, "SELECT 1"); string(p) != "\x01" {
		t.Fatalf("column count %q", p)
	}
	col := r.read()
	d := &decoder{b: col}
	fields := []string{string(d.lenEncBytes()), string(d.lenEncBytes()), string(d.lenEncBytes()),
		string(d.lenEncBytes()), string(d.lenEncBytes()), string(d.lenEncBytes())}
	if strings.Join(fields, "|") != "def||||1|1" {
		t.Fatalf("column definition names %q", fields)
	}
	d.lenEncInt()
	charset, _, typ, flags := d.uint16(), d.uint32(), d.uint8(), d.uint16()
	if charset != charsetBinary || ColumnType(typ) != TypeLongLong || flags&flagNotNull == 0 {
		t.Fatalf("column charset=%d type=%d flags=0x%x", charset, typ, flags)
	}
	if p := r.read(); !bytes.Equal(p, []byte{0xfe, 0, 0, 2, 0}) {
		t.Fatalf("EOF after columns %q", p)
	}
	if p := r.read(); string(p) != "\x011" {
		t.Fatalf("row %q", p)
	}
	if p := r.read(); !bytes.Equal(p, []byte{0xfe, 0, 0, 2, 0}) {
		t.Fatalf("EOF after rows %q", p)
	}
	// Multi results: each but the last carries SERVER_MORE_RESULTS_EXISTS.
	r.command(comQuery, "MULTI ERROR")
	r.read() // column
	r.read() // EOF
	r.read() // row
	if p := r.read(); !bytes.Equal(p, []byte{0xfe, 0, 0, 0x0a, 0}) {
		t.Fatalf("EOF with more results %q", p)
	}
	expectErrPacket(t, r.read(), 1146, "42S02", "Table 'test.nope' doesn't exist")
}

func TestOKPacketCarriesAllFields(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	r := dialRaw(t, addr, capDeprecateEOF)
	want := "\x00\x03\x2a\x02\x00\x01\x00Records: 3  Duplicates: 0  Warnings: 1"
	if p := r.command(comQuery, "INSERT"); string(p) != want {
		t.Fatalf("OK packet %q, want %q", p, want)
	}
}

func TestPacketTooLargeClosesConnection(t *testing.T) {
	_, _, addr := newTestServer(t, false, func(s *Server) { s.MaxPacketSize = 1024 })
	r := dialRaw(t, addr, 0)
	// A packet just at the limit is fine.
	if p := r.command(comQuery, "LEN "+strings.Repeat("x", 1019)); p[0] != 1 {
		t.Fatalf("query at the limit: %q", p)
	}
	r.read() // column
	r.read() // EOF
	// The handler sees the text without the command byte.
	if p := r.read(); string(p) != "\x041023" {
		t.Fatalf("row %q", p)
	}
	r.read() // EOF
	r.pkt.seq = 0
	r.write(append([]byte{comQuery}, strings.Repeat("x", 1024)...))
	expectErrPacket(t, r.read(), 1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
	if _, err := r.pkt.readPacket(); err == nil {
		t.Fatal("connection still open after an oversized packet")
	}
}

func TestPacketsOutOfOrderClosesConnection(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	r := dialRaw(t, addr, 0)
	r.pkt.seq = 5
	r.write([]byte{comPing})
	expectErrPacket(t, r.read(), 1156, "08S01", "Got packets out of order")
	if _, err := r.pkt.readPacket(); err == nil {
		t.Fatal("connection still open after a packet out of order")
	}
}

func TestBadHandshakeAndTimeout(t *testing.T) {
	_, _, addr := newTestServer(t, false, func(s *Server) { s.HandshakeTimeout = 200 * time.Millisecond })
	// A client that stays silent is dropped after HandshakeTimeout.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	p := newPacketIO(nc, 1<<20)
	if _, err := p.readPacket(); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := p.readPacket(); err == nil || isTimeout(err) {
		t.Fatalf("silent client: got %v, want the server to close", err)
	}
	// A pre-4.1 handshake response is refused.
	nc2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	p2 := newPacketIO(nc2, 1<<20)
	if _, err := p2.readPacket(); err != nil {
		t.Fatal(err)
	}
	if err := p2.writePacket(handshakeResponseBytes(capLongPassword, "native", nil, "")); err != nil {
		t.Fatal(err)
	}
	_ = p2.flush()
	got, err := p2.readPacket()
	if err != nil {
		t.Fatal(err)
	}
	expectErrPacket(t, got, 1043, "08S01", "Bad handshake")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
