package classic

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func TestQueryTypesAndNulls(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	db := openDB(t, addr, "native", "native-pw", nil)
	rows, err := db.Query("TYPES")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ct := range types {
		nullable, _ := ct.Nullable()
		got = append(got, ct.Name()+":"+ct.DatabaseTypeName()+":"+map[bool]string{true: "null", false: "notnull"}[nullable])
	}
	want := []string{"i:BIGINT:notnull", "u:UNSIGNED BIGINT:notnull", "f:DOUBLE:notnull", "s:VARCHAR:notnull",
		"b:BLOB:notnull", "t:DATETIME:notnull", "ok:TINYINT:notnull", "n:NULL:null", "ni:BIGINT:null", "ps:VARCHAR:null"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("column types:\n got %v\nwant %v", got, want)
	}
	type row struct {
		i  int64
		u  uint64
		f  float64
		s  string
		b  []byte
		t  time.Time
		ok bool
		n  sql.RawBytes
		ni sql.NullInt64
		ps sql.NullString
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.i, &r.u, &r.f, &r.s, &r.b, &r.t, &r.ok, &r.n, &r.ni, &r.ps); err != nil {
			t.Fatal(err)
		}
		r.b = append([]byte{}, r.b...)
		r.n = nil
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	wantRows := []row{
		{-7, 18446744073709551615, 1.5, "héllo", []byte{0, 1, 2}, typesTime, true, nil,
			sql.NullInt64{Int64: 5, Valid: true}, sql.NullString{String: "ptr", Valid: true}},
		{8, 1, 2.25e20, "", []byte{}, typesTime.Add(time.Hour), false, nil, sql.NullInt64{}, sql.NullString{}},
	}
	if !reflect.DeepEqual(all, wantRows) {
		t.Fatalf("rows:\n got %+v\nwant %+v", all, wantRows)
	}
}

func TestExecReportsOKPacketFields(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	db := openDB(t, addr, "native", "native-pw", nil)
	res, err := db.Exec("INSERT")
	if err != nil {
		t.Fatal(err)
	}
	affected, _ := res.RowsAffected()
	lastID, _ := res.LastInsertId()
	if affected != 3 || lastID != 42 {
		t.Fatalf("affected=%d lastID=%d, want 3 and 42", affected, lastID)
	}
}

func TestErrorsKeepTheConnection(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	c := conn(t, openDB(t, addr, "native", "native-pw", nil))
	ctx := context.Background()
	id := queryString(t, c, "SELECT CONNECTION_ID()")
	_, err := c.ExecContext(ctx, "ERROR")
	expectMySQLError(t, err, 1146, "42S02", "Table 'test.nope' doesn't exist")
	_, err = c.ExecContext(ctx, "PLAIN ERROR")
	expectMySQLError(t, err, 1105, "HY000", "plain go error")
	_, err = c.ExecContext(ctx, "PANIC")
	expectMySQLError(t, err, 1105, "HY000", "internal error: handler panicked: boom")
	_, err = c.ExecContext(ctx, "BAD ROW")
	expectMySQLError(t, err, 1105, "HY000", "internal error: row 0 has 2 values for 1 columns")
	_, err = c.ExecContext(ctx, "  ")
	expectMySQLError(t, err, 1065, "42000", "Query was empty")
	// go-sql-driver prepares statements with arguments; COM_STMT_PREPARE is not implemented.
	_, err = c.ExecContext(ctx, "SELECT ?", 1)
	expectMySQLError(t, err, 1047, "08S01", "Unknown command")
	if got := queryString(t, c, "SELECT CONNECTION_ID()"); got != id {
		t.Fatalf("connection changed from %s to %s after errors", id, got)
	}
	if err := c.PingContext(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
}

func TestMultipleResultSets(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	db := openDB(t, addr, "native", "native-pw", func(c *mysql.Config) { c.MultiStatements = true })
	rows, err := db.Query("MULTI")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var sets [][]string
	for {
		cols, _ := rows.Columns()
		set := []string{strings.Join(cols, ",")}
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			set = append(set, fmtRow(vals))
		}
		sets = append(sets, set)
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// go-sql-driver skips the OK packet between the two result sets.
	want := [][]string{{"a", "[{1 true}]", "[{2 true}]"}, {"b,c", "[{x true} { false}]"}}
	if !reflect.DeepEqual(sets, want) {
		t.Fatalf("result sets:\n got %v\nwant %v", sets, want)
	}
}

func TestErrorAfterResultSet(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	c := conn(t, openDB(t, addr, "native", "native-pw", func(c *mysql.Config) { c.MultiStatements = true }))
	rows, err := c.QueryContext(context.Background(), "MULTI ERROR")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if rows.NextResultSet() {
		t.Fatal("want no second result set")
	}
	expectMySQLError(t, rows.Err(), 1146, "42S02", "Table 'test.nope' doesn't exist")
	_ = rows.Close()
	if n != 1 {
		t.Fatalf("first result set had %d rows, want 1", n)
	}
	if got := queryString(t, c, "SELECT 1"); got != "1" {
		t.Fatalf("connection unusable after error: %q", got)
	}
}

func TestSessionValueAndStatus(t *testing.T) {
	closed := make(chan *Conn, 1)
	s, h, addr := newTestServer(t, false, func(s *Server) { s.ConnClosed = func(c *Conn) { closed <- c } })
	db := openDB(t, addr, "native", "native-pw", nil)
	c := conn(t, db)
	ctx := context.Background()
	if _, err := c.ExecContext(ctx, "SET x = 41"); err != nil {
		t.Fatal(err)
	}
	if got := queryString(t, c, "GET x"); got != "41" {
		t.Fatalf("session variable = %q", got)
	}
	sess := <-h.sessions
	if _, err := c.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	var live []*Conn
	for _, sc := range s.Conns() {
		if sc.User() == "native" {
			live = append(live, sc)
		}
	}
	if len(live) != 1 || live[0].Status()&StatusInTrans == 0 {
		t.Fatalf("want one connection in a transaction, got %d", len(live))
	}
	_ = c.Close()
	_ = db.Close() // sends COM_QUIT
	select {
	case <-sess.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("session value not closed with the connection")
	}
	select {
	case cc := <-closed:
		if cc.User() != "native" {
			t.Fatalf("ConnClosed for %q", cc.User())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ConnClosed not called")
	}
}

func TestBigPacketsBothWays(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	db := openDB(t, addr, "native", "native-pw", nil)
	for _, n := range []int{maxChunk - 4, maxChunk - 1, maxChunk, maxChunk + 10, 2*maxChunk + 3} {
		// "LEN " makes the COM_QUERY payload (command byte + text) n + 1 bytes.
		q := "LEN " + strings.Repeat("x", n-4)
		var got int
		if err := db.QueryRow(q).Scan(&got); err != nil {
			t.Fatalf("query of %d bytes: %v", n, err)
		}
		if got != n {
			t.Fatalf("handler saw %d bytes, want %d", got, n)
		}
	}
	for _, n := range []int{maxChunk - 5, maxChunk - 4, maxChunk + 1, 2*maxChunk + 100} {
		var got string
		if err := db.QueryRow("BIG " + itoa(n)).Scan(&got); err != nil {
			t.Fatalf("row of %d bytes: %v", n, err)
		}
		if len(got) != n || strings.Trim(got, "b") != "" {
			t.Fatalf("row value has %d bytes, want %d", len(got), n)
		}
	}
}

func TestPacketTooLargeWithRealClient(t *testing.T) {
	_, _, addr := newTestServer(t, false, func(s *Server) { s.MaxPacketSize = 4096 })
	db := openDB(t, addr, "native", "native-pw", nil)
	c := conn(t, db)
	_, err := c.ExecContext(context.Background(), "LEN "+strings.Repeat("x", 8000))
	expectMySQLError(t, err, 1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
	// As with mysqld, the server hangs up after this error; the client finds out on its next use.
	if err := c.PingContext(context.Background()); err == nil {
		t.Fatal("connection still usable after an oversized packet")
	}
	if got := queryString(t, conn(t, db), "SELECT 1"); got != "1" {
		t.Fatalf("SELECT 1 on a new connection = %q", got)
	}
}

// go-sql-driver sends statements with arguments as COM_STMT_PREPARE, which a server without a Preparer
// refuses; with interpolateParams it substitutes them itself and sends a COM_QUERY.
func TestArgumentsNeedInterpolateParams(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	_, err := openDB(t, addr, "native", "native-pw", nil).Exec("ECHO ?", 1)
	expectMySQLError(t, err, 1047, "08S01", "Unknown command")
	db := openDB(t, addr, "native", "native-pw", func(c *mysql.Config) { c.InterpolateParams = true })
	var got string
	if err := db.QueryRow("ECHO ?, ?", "it's", 7).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := `'it\'s', 7`; got != want {
		t.Fatalf("handler saw %q, want %q", got, want)
	}
}
