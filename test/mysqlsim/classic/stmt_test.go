package classic

import (
	"bytes"
	"context"
	"database/sql"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// go-sql-driver prepares every query with arguments (interpolateParams is off by default): COM_STMT_PREPARE,
// COM_STMT_EXECUTE with binary parameters, binary result rows, COM_STMT_CLOSE.
func TestPreparedArgumentsRoundTripWithGoSQLDriver(t *testing.T) {
	p := &stmtPreparer{}
	_, addr := newStmtServer(t, p)
	c := conn(t, openDB(t, addr, "native", "native-pw", nil))
	ctx := context.Background()
	blob := []byte{0, 0xff, 'a', 0, 0xfe}
	var (
		i  int64
		u  uint64
		f  float64
		s  string
		b  []byte
		n  sql.NullString
		ok bool
		ts string
	)
	when := time.Date(2024, 5, 17, 10, 20, 30, 123456000, time.UTC)
	err := c.QueryRowContext(ctx, "ECHO ?, ?, ?, ?, ?, ?, ?, ?", int64(-7), uint64(math.MaxUint64), 2.5, "héllo", blob, nil,
		true, when).Scan(&i, &u, &f, &s, &b, &n, &ok, &ts)
	if err != nil {
		t.Fatal(err)
	}
	if i != -7 || u != math.MaxUint64 || f != 2.5 || s != "héllo" || !bytes.Equal(b, blob) || n.Valid || !ok ||
		ts != "2024-05-17 10:20:30.123456" {
		t.Fatalf("read back %v %v %v %q %q %v %v %q", i, u, f, s, b, n, ok, ts)
	}
	// What the Stmt saw: go-sql-driver binds []byte and time.Time as strings, bool as TINYINT.
	want := []any{int64(-7), uint64(math.MaxUint64), 2.5, "héllo", string(blob), nil, int64(1),
		"2024-05-17 10:20:30.123456"}
	if got := p.executions(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("arguments:\n got %#v\nwant %#v", got, want)
	}
	if err := c.PingContext(ctx); err != nil { // COM_STMT_CLOSE has no answer: wait for one that does
		t.Fatal(err)
	}
	if p.closedCount() != 1 {
		t.Fatalf("database/sql closes the one-shot statement; %d closed", p.closedCount())
	}
}

// A result set read through a prepared statement matches the text protocol's, types and values alike.
func TestPreparedResultSetMatchesTextProtocol(t *testing.T) {
	_, addr := newStmtServer(t, &stmtPreparer{})
	db := openDB(t, addr, "native", "native-pw", nil)
	text := scanTypes(t, func() (*sql.Rows, error) { return db.Query("TYPES") })
	stmt, err := db.Prepare("TYPES")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	bin := scanTypes(t, func() (*sql.Rows, error) { return stmt.Query() })
	if !reflect.DeepEqual(text, bin) {
		t.Fatalf("binary result differs from text:\n text %v\n  bin %v", text, bin)
	}
}

// scanTypes reads the TYPES result set: column types, then every value as the driver returns it.
func scanTypes(t *testing.T, query func() (*sql.Rows, error)) []string {
	t.Helper()
	rows, err := query()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, _ := rows.ColumnTypes()
	var out []string
	for _, ct := range types {
		out = append(out, ct.Name()+":"+ct.DatabaseTypeName())
	}
	for rows.Next() {
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs) // the text protocol returns numbers as text
			}
			out = append(out, fmtRow(v))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPreparedExecResultsAndErrors(t *testing.T) {
	_, addr := newStmtServer(t, &stmtPreparer{})
	db := openDB(t, addr, "native", "native-pw", nil)
	res, err := db.Exec("INSERT ?, ?, ?", 1, "x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 3 {
		t.Fatalf("affected rows %d", n)
	}
	if id, _ := res.LastInsertId(); id != 42 {
		t.Fatalf("last insert id %d", id)
	}
	_, err = db.Exec("ERROR ?", 1)
	expectMySQLError(t, err, 1146, "42S02", "Table 'test.nope' doesn't exist")
	_, err = db.Prepare("BAD ?")
	expectMySQLError(t, err, 1064, "42000", "You have an error in your SQL syntax near 'BAD ?'")
	_, err = db.Exec("EXPLODE ?", 1)
	expectMySQLError(t, err, 1105, "HY000", "internal error: handler panicked: execute boom")
	_, err = db.Prepare("PANIC")
	expectMySQLError(t, err, 1105, "HY000", "internal error: handler panicked: prepare boom")

	rows, err := db.Query("MULTI ?", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var sum int
	for rows.Next() {
		var a int
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		sum += a
	}
	if sum != 3 || rows.NextResultSet() {
		t.Fatalf("multi results: sum %d", sum)
	}
	if got := queryString(t, db, "SELECT 1"); got != "1" {
		t.Fatalf("connection unusable after the errors: %q", got)
	}
}

// With a small max_allowed_packet go-sql-driver sends a large argument with COM_STMT_SEND_LONG_DATA.
func TestPreparedLongDataFromGoSQLDriver(t *testing.T) {
	p := &stmtPreparer{}
	_, addr := newStmtServer(t, p)
	db := openDB(t, addr, "native", "native-pw", func(c *mysql.Config) { c.MaxAllowedPacket = 1 << 16 })
	big := bytes.Repeat([]byte{0xff, 0, 'x'}, 100_000)
	var back []byte
	if err := db.QueryRow("ECHO ?", big).Scan(&back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, big) {
		t.Fatalf("read back %d bytes, want %d", len(back), len(big))
	}
	if got := p.executions(); len(got) != 1 || !reflect.DeepEqual(got[0], []any{big}) {
		t.Fatal("long data did not reach the statement as one []byte")
	}
}

func TestPreparedStatementLimitAndClose(t *testing.T) {
	p := &stmtPreparer{}
	_, addr := newStmtServer(t, p, func(s *Server) { s.MaxPreparedStmts = 2 })
	c := conn(t, openDB(t, addr, "native", "native-pw", nil))
	ctx := context.Background()
	s1, err := c.PrepareContext(ctx, "ECHO ?")
	if err != nil {
		t.Fatal(err)
	}
	s2, err := c.PrepareContext(ctx, "ECHO ?, ?")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PrepareContext(ctx, "ECHO ?, ?, ?")
	expectMySQLError(t, err, 1461, "42000",
		"Can't create more than max_prepared_stmt_count statements (current value: 2)")
	_ = s1.Close()
	s3, err := c.PrepareContext(ctx, "ECHO ?, ?, ?")
	if err != nil {
		t.Fatalf("after closing one: %v", err)
	}
	var a, b string
	if err := s2.QueryRowContext(ctx, "x", 7).Scan(&a, &b); err != nil || a != "x" || b != "7" {
		t.Fatalf("second statement: %q %q %v", a, b, err)
	}
	_, _ = s2.Close(), s3.Close()
	if err := c.PingContext(ctx); err != nil { // COM_STMT_CLOSE has no answer: wait for one that does
		t.Fatal(err)
	}
	if n := p.closedCount(); n != 3 {
		t.Fatalf("%d statements closed, want 3", n)
	}
}
