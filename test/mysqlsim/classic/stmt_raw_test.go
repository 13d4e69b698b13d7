package classic

import (
	"encoding/binary"
	"math"
	"reflect"
	"testing"
	"time"
)

func u16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// binaryParams are hand-encoded values of every parameter type family, with what Stmt.Execute must get.
var binaryParams = []struct {
	name  string
	typ   paramType
	value []byte
	want  any
}{
	{"tiny unsigned", paramType{TypeTiny, true}, []byte{0xff}, uint64(255)},
	{"short", paramType{TypeShort, false}, u16(0xfffe), int64(-2)},
	{"long", paramType{TypeLong, false}, u32(0x80000000), int64(math.MinInt32)},
	{"longlong unsigned", paramType{TypeLongLong, true}, u64(math.MaxUint64), uint64(math.MaxUint64)},
	{"float", paramType{TypeFloat, false}, u32(math.Float32bits(1.5)), float32(1.5)},
	{"double", paramType{TypeDouble, false}, u64(math.Float64bits(-0.25)), -0.25},
	{"datetime", paramType{TypeDatetime, false}, cat([]byte{11}, u16(2024), []byte{5, 17, 10, 20, 30}, u32(123456)),
		time.Date(2024, 5, 17, 10, 20, 30, 123456000, time.UTC)},
	{"date", paramType{TypeDate, false}, cat([]byte{4}, u16(1999), []byte{12, 31}), time.Date(1999, 12, 31, 0, 0, 0, 0,
		time.UTC)},
	{"zero datetime", paramType{TypeDatetime, false}, []byte{0}, "0000-00-00 00:00:00"},
	{"time", paramType{TypeTime, false}, cat([]byte{12, 1}, u32(1), []byte{2, 3, 4}, u32(500)),
		-(26*time.Hour + 3*time.Minute + 4*time.Second + 500*time.Microsecond)},
	{"time past 838h", paramType{TypeTime, false}, cat([]byte{8, 0}, u32(40), []byte{0, 0, 1}), "960:00:01"},
	{"decimal", paramType{TypeDecimal, false}, []byte("\x041.50"), "1.50"},
	{"blob", paramType{TypeBlob, false}, []byte{3, 0, 0xff, 1}, []byte{0, 0xff, 1}},
	{"varchar", paramType{TypeVarString, false}, []byte("\x03hé"), "hé"},
	{"null", paramType{TypeNull, false}, nil, nil},
}

func TestStmtExecuteDecodesEveryParameterType(t *testing.T) {
	for _, deprecateEOF := range []bool{true, false} {
		p := &stmtPreparer{}
		_, addr := newStmtServer(t, p)
		extra := map[bool]uint32{true: capDeprecateEOF, false: 0}[deprecateEOF]
		r := dialRaw(t, addr, extra)
		n := len(binaryParams)
		sql := "ECHO ?" + repeatString(", ?", n-1)
		ok := r.rawPrepare(sql, !deprecateEOF)
		if len(ok.params) != n || len(ok.columns) != n || ok.params[0].name != "?" || ok.columns[0].name != "p0" {
			t.Fatalf("COM_STMT_PREPARE_OK announced %d params, %d columns", len(ok.params), len(ok.columns))
		}
		types := make([]paramType, n)
		values := make([][]byte, n)
		want := make([]any, n)
		for i, bp := range binaryParams {
			types[i], values[i], want[i] = bp.typ, bp.value, bp.want
		}
		// The first execution binds the types; the second (a cursor flag set, which opens no cursor) reuses them.
		for round, payload := range [][]byte{
			executePayload(ok.id, 0, types, values, n),
			executePayload(ok.id, 0x01, nil, values, n),
		} {
			first := r.execute(payload)
			cols, rows := r.readBinaryRows(first, !deprecateEOF)
			got := p.executions()[round]
			for i, bp := range binaryParams {
				if !reflect.DeepEqual(got[i], bp.want) {
					t.Errorf("round %d: %s: Stmt got %#v, want %#v", round, bp.name, got[i], bp.want)
				}
			}
			// The echoed row comes back in the binary format with types inferred from the values.
			if len(rows) != 1 || !reflect.DeepEqual(binaryEcho(rows[0]), binaryEcho(want)) {
				t.Fatalf("round %d: echoed row\n got %#v\nwant %#v (columns %+v)", round, rows, want, cols)
			}
		}
	}
}

// binaryEcho is how an echoed value reads back: integers as BIGINT, floats as DOUBLE, strings as text.
func binaryEcho(row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		switch x := v.(type) {
		case float32:
			out[i] = float64(x)
		case string:
			out[i] = x
		case int64, uint64, float64, time.Time, time.Duration, nil:
			out[i] = x
		case []byte:
			out[i] = x
		}
	}
	return out
}

func repeatString(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

func TestStmtCommandErrors(t *testing.T) {
	p := &stmtPreparer{}
	_, addr := newStmtServer(t, p)
	r := dialRaw(t, addr, capDeprecateEOF)
	ok := r.rawPrepare("ECHO ?", false)

	// Types never bound: mysqld's ER_WRONG_ARGUMENTS.
	expectErrPacket(t, r.execute(executePayload(ok.id, 0, nil, [][]byte{{1}}, 1)), 1210, "HY000",
		"Incorrect arguments to mysqld_stmt_execute")
	// Unknown statement, truncated packet, unknown parameter type.
	expectErrPacket(t, r.execute(executePayload(99, 0, nil, nil, 0)), 1243, "HY000",
		"Unknown prepared statement handler (99) given to mysqld_stmt_execute")
	expectErrPacket(t, r.execute([]byte{comStmtExecute, 1, 0}), 1835, "HY000", "Malformed communication packet.")
	expectErrPacket(t, r.execute(executePayload(ok.id, 0, []paramType{{t: 0x42}}, [][]byte{{1}}, 1)), 1835, "HY000",
		"Malformed communication packet.")
	expectErrPacket(t, r.execute(executePayload(ok.id, 0, []paramType{{t: TypeLongLong}}, [][]byte{{1, 2}}, 1)),
		1835, "HY000", "Malformed communication packet.")
	expectErrPacket(t, r.command(comStmtPrepare, "  "), 1065, "42000", "Query was empty")
	expectErrPacket(t, r.command(comStmtPrepare, "BAD x"), 1064, "42000",
		"You have an error in your SQL syntax near 'BAD x'")
	expectErrPacket(t, r.command(comStmtFetch, string(cat(u32(ok.id), u32(10)))), 1421, "HY000",
		"The statement (1) has no open cursor.")
	expectErrPacket(t, r.command(comStmtFetch, string(cat(u32(7), u32(10)))), 1243, "HY000",
		"Unknown prepared statement handler (7) given to mysqld_stmt_fetch")
	expectErrPacket(t, r.command(comStmtReset, string(u32(7))), 1243, "HY000",
		"Unknown prepared statement handler (7) given to mysqld_stmt_reset")

	// COM_STMT_CLOSE has no answer: the next command's answer comes first. Closing twice is harmless.
	r.pkt.seq = 0
	r.write(cat([]byte{comStmtClose}, u32(ok.id)))
	r.pkt.seq = 0
	r.write(cat([]byte{comStmtClose}, u32(ok.id)))
	if st := okStatus(t, r.command(comPing, "")); st != StatusAutocommit {
		t.Fatalf("ping after close: 0x%x", st)
	}
	if p.closedCount() != 1 {
		t.Fatalf("%d statements closed, want 1", p.closedCount())
	}
	expectErrPacket(t, r.execute(executePayload(ok.id, 0, nil, nil, 0)), 1243, "HY000",
		"Unknown prepared statement handler (1) given to mysqld_stmt_execute")
}

func TestStmtSendLongDataAndReset(t *testing.T) {
	p := &stmtPreparer{}
	_, addr := newStmtServer(t, p, func(s *Server) { s.MaxPacketSize = 1 << 10 })
	r := dialRaw(t, addr, capDeprecateEOF)
	ok := r.rawPrepare("ECHO ?, ?", false)
	longData := func(param uint16, data string) {
		r.pkt.seq = 0
		r.write(cat([]byte{comStmtSendLongData}, u32(ok.id), u16(param), []byte(data)))
	}
	types := []paramType{{t: TypeBlob}, {t: TypeTiny}}
	// Parameter 0 comes in two chunks and has no value in the execute packet (nor a NULL bit).
	longData(0, "\x00chunk1-")
	longData(0, "chunk2\xff")
	r.readBinaryRows(r.execute(executePayload(ok.id, 0, types, [][]byte{{}, {5}}, 2)), false)
	if got := p.executions()[0]; !reflect.DeepEqual(got, []any{[]byte("\x00chunk1-chunk2\xff"), int64(5)}) {
		t.Fatalf("long data execution got %#v", got)
	}
	// Long data is dropped after the execution: now parameter 0 is read from the packet.
	r.readBinaryRows(r.execute(executePayload(ok.id, 0, nil, [][]byte{{1, 'z'}, {6}}, 2)), false)
	if got := p.executions()[1]; !reflect.DeepEqual(got, []any{[]byte("z"), int64(6)}) {
		t.Fatalf("second execution got %#v", got)
	}
	// A bad parameter index or too much data is reported by the next execution; COM_STMT_RESET drops both.
	longData(5, "x")
	expectErrPacket(t, r.execute(executePayload(ok.id, 0, nil, [][]byte{{1, 'z'}, {6}}, 2)), 1210, "HY000",
		"Incorrect arguments to mysqld_stmt_send_long_data")
	longData(1, string(make([]byte, 600)))
	longData(1, string(make([]byte, 600)))
	expectErrPacket(t, r.execute(executePayload(ok.id, 0, nil, [][]byte{{1, 'z'}, {6}}, 2)), 1105, "HY000",
		"Parameter of prepared statement which is set through mysql_send_long_data() is longer than "+
			"'max_allowed_packet' bytes")
	longData(5, "x")
	if p := r.command(comStmtReset, string(u32(ok.id))); p[0] != 0x00 {
		t.Fatalf("COM_STMT_RESET: %q", p)
	}
	r.readBinaryRows(r.execute(executePayload(ok.id, 0, nil, [][]byte{{1, 'y'}, {7}}, 2)), false)
	// Long data for an unknown statement is ignored: no answer, nothing pending.
	r.pkt.seq = 0
	r.write(cat([]byte{comStmtSendLongData}, u32(77), u16(0), []byte("x")))
	okStatus(t, r.command(comPing, ""))
}

func TestResetConnectionClosesStatements(t *testing.T) {
	p := &stmtPreparer{}
	s, addr := newStmtServer(t, p)
	r := dialRaw(t, addr, capDeprecateEOF)
	r.rawPrepare("ECHO ?", false)
	r.rawPrepare("ECHO ?, ?", false)
	okStatus(t, r.command(comResetConnection, ""))
	if p.closedCount() != 2 || s.prepared.Load() != 0 {
		t.Fatalf("after COM_RESET_CONNECTION: %d closed, %d counted", p.closedCount(), s.prepared.Load())
	}
	expectErrPacket(t, r.execute(executePayload(1, 0, nil, nil, 0)), 1243, "HY000",
		"Unknown prepared statement handler (1) given to mysqld_stmt_execute")
	// Ids keep counting on the connection.
	if ok := r.rawPrepare("ECHO ?", false); ok.id != 3 {
		t.Fatalf("statement id after reset %d, want 3", ok.id)
	}
	// The end of the connection closes the rest.
	_ = r.nc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for p.closedCount() != 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if p.closedCount() != 3 || s.prepared.Load() != 0 {
		t.Fatalf("after disconnect: %d closed, %d counted", p.closedCount(), s.prepared.Load())
	}
}

func TestStmtCommandsWithoutPreparer(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	r := dialRaw(t, addr, capDeprecateEOF)
	for _, cmd := range []byte{comStmtPrepare, comStmtExecute, comStmtClose, comStmtReset, comStmtSendLongData} {
		expectErrPacket(t, r.command(cmd, "SELECT 1"), 1047, "08S01", "Unknown command")
	}
}
