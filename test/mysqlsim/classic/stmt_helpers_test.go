package classic

import (
	"context"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
)

// stmtPreparer prepares the test vocabulary; the first word of a statement says what it does (see
// testStmt.Execute) and every '?' is a parameter. It records the arguments of every execution.
type stmtPreparer struct {
	mu     sync.Mutex
	args   [][]any
	closed int
}

func (p *stmtPreparer) Prepare(_ context.Context, _ *Conn, sql string) (Stmt, error) {
	word, _, _ := strings.Cut(sql, " ")
	switch strings.ToUpper(word) {
	case "BAD":
		return nil, NewSQLError(1064, "42000", "You have an error in your SQL syntax near '%s'", sql)
	case "PANIC":
		panic("prepare boom")
	}
	return &testStmt{p: p, word: strings.ToUpper(word), params: strings.Count(sql, "?")}, nil
}

func (p *stmtPreparer) executions() [][]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]any(nil), p.args...)
}

func (p *stmtPreparer) closedCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

type testStmt struct {
	p      *stmtPreparer
	word   string
	params int
}

func (s *testStmt) NumParams() int { return s.params }

// Columns announces the echo columns and the TYPES columns at prepare time; the others announce none.
func (s *testStmt) Columns() []Column {
	switch s.word {
	case "ECHO":
		return echoColumns(s.params)
	case "TYPES":
		return typesResult()[0].Columns
	}
	return nil
}

func echoColumns(n int) []Column {
	cols := make([]Column, n)
	for i := range cols {
		cols[i] = Column{Name: "p" + itoa(i)}
	}
	return cols
}

// Execute: ECHO returns its arguments as one row, TYPES the typesResult rows, INSERT an OK with the argument
// count as affected rows, MULTI several results, SESSION the connection's user and schema, ERROR an ERR,
// EXPLODE panics.
func (s *testStmt) Execute(_ context.Context, c *Conn, args []any) ([]*Result, error) {
	s.p.mu.Lock()
	s.p.args = append(s.p.args, args)
	s.p.mu.Unlock()
	switch s.word {
	case "ECHO":
		return []*Result{{Columns: echoColumns(len(args)), Rows: [][]any{args}}}, nil
	case "TYPES":
		return typesResult(), nil
	case "INSERT":
		return []*Result{{AffectedRows: uint64(len(args)), LastInsertID: 42}}, nil
	case "MULTI":
		return []*Result{{Columns: []Column{{Name: "a"}}, Rows: [][]any{{1}, {2}}}, {AffectedRows: 1}}, nil
	case "SESSION":
		return one([]Column{{Name: "user"}, {Name: "schema"}}, c.User(), c.Schema()), nil
	case "EXPLODE":
		panic("execute boom")
	}
	return nil, NewSQLError(1146, "42S02", "Table 'test.nope' doesn't exist")
}

func (s *testStmt) Close() error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.closed++
	return nil
}

// newStmtServer starts a test server whose Preparer is p.
func newStmtServer(t *testing.T, p *stmtPreparer, opts ...func(*Server)) (*Server, string) {
	t.Helper()
	s, _, addr := newTestServer(t, false, append([]func(*Server){func(s *Server) { s.Preparer = p }}, opts...)...)
	return s, addr
}

// prepareOK is a decoded COM_STMT_PREPARE_OK with its definitions.
type prepareOK struct {
	id      uint32
	params  []wireColumn
	columns []wireColumn
}

// wireColumn is the part of a Protocol::ColumnDefinition41 the tests look at.
type wireColumn struct {
	name     string
	typ      ColumnType
	flags    uint16
	decimals uint8
}

// rawPrepare sends COM_STMT_PREPARE and reads the whole answer; eof says whether EOF packets close the lists.
func (r *rawClient) rawPrepare(sql string, eof bool) prepareOK {
	r.t.Helper()
	p := r.command(comStmtPrepare, sql)
	if p[0] != 0x00 || len(p) != 12 {
		r.t.Fatalf("COM_STMT_PREPARE %q: got %q", sql, p)
	}
	ok := prepareOK{id: binary.LittleEndian.Uint32(p[1:])}
	cols, params := int(binary.LittleEndian.Uint16(p[5:])), int(binary.LittleEndian.Uint16(p[7:]))
	ok.params = r.readColumns(params, eof)
	ok.columns = r.readColumns(cols, eof)
	return ok
}

// readColumns reads n column definitions and, when eof and n > 0, the EOF packet after them.
func (r *rawClient) readColumns(n int, eof bool) []wireColumn {
	r.t.Helper()
	var cols []wireColumn
	for i := 0; i < n; i++ {
		d := &decoder{b: r.read()}
		for j := 0; j < 4; j++ {
			d.lenEncBytes() // catalog, schema, table, org_table
		}
		col := wireColumn{name: string(d.lenEncBytes())}
		d.lenEncBytes()
		d.bytes(1 + 2 + 4)
		col.typ, col.flags, col.decimals = ColumnType(d.uint8()), d.uint16(), d.uint8()
		if d.err != nil {
			r.t.Fatalf("column definition: %v", d.err)
		}
		cols = append(cols, col)
	}
	if n > 0 && eof {
		if p := r.read(); p[0] != 0xfe || len(p) != 5 {
			r.t.Fatalf("want EOF after %d definitions, got %q", n, p)
		}
	}
	return cols
}

// executePayload builds a COM_STMT_EXECUTE as client libraries do: values already in binary form, nil for
// NULL, types sent when types is not nil.
func executePayload(id uint32, flags uint8, types []paramType, values [][]byte, n int) []byte {
	b := binary.LittleEndian.AppendUint32([]byte{comStmtExecute}, id)
	b = binary.LittleEndian.AppendUint32(append(b, flags), 1)
	if n == 0 {
		return b
	}
	nulls := make([]byte, (n+7)/8)
	for i, v := range values {
		if v == nil {
			nulls[i/8] |= 1 << (i % 8)
		}
	}
	b = append(b, nulls...)
	if types == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		for _, pt := range types {
			flag := byte(0)
			if pt.unsigned {
				flag = 0x80
			}
			b = append(b, byte(pt.t), flag)
		}
	}
	for _, v := range values {
		b = append(b, v...)
	}
	return b
}

// execute sends a COM_STMT_EXECUTE payload built by executePayload and returns the first response packet.
func (r *rawClient) execute(payload []byte) []byte {
	r.t.Helper()
	r.pkt.seq = 0
	r.write(payload)
	return r.read()
}

// readBinaryRows reads the rest of a binary result set whose column count packet was first: definitions,
// then ProtocolBinary rows decoded by their column types, until the closing EOF/OK.
func (r *rawClient) readBinaryRows(first []byte, eof bool) ([]wireColumn, [][]any) {
	r.t.Helper()
	d := &decoder{b: first}
	cols := r.readColumns(int(d.lenEncInt()), eof)
	var rows [][]any
	for {
		p := r.read()
		if p[0] == 0xfe && len(p) < 0xffffff {
			return cols, rows
		}
		rows = append(rows, decodeBinaryRowForTest(r.t, p, cols))
	}
}

func decodeBinaryRowForTest(t *testing.T, p []byte, cols []wireColumn) []any {
	t.Helper()
	if p[0] != 0x00 {
		t.Fatalf("binary row must start with 0x00: %q", p)
	}
	bitmap := p[1 : 1+(len(cols)+9)/8]
	d := &decoder{b: p[1+len(bitmap):]}
	row := make([]any, len(cols))
	for i, col := range cols {
		if bitmap[(i+2)/8]&(1<<((i+2)%8)) != 0 {
			continue
		}
		v, err := decodeBinaryValue(d, paramType{t: col.typ, unsigned: col.flags&flagUnsigned != 0})
		if err != nil {
			t.Fatalf("decode column %s: %v", col.name, err)
		}
		row[i] = v
	}
	if len(d.b) != 0 {
		t.Fatalf("%d bytes left after the row values", len(d.b))
	}
	return row
}
