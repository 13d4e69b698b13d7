package mysqlsim

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PreparedStmt is a statement prepared in a session for the binary protocol (COM_STMT_PREPARE). Executing it
// does what its text does through Exec once the placeholders have values: a data statement runs on the
// data store as the data store's own prepared statement, after the same read-only checks and quorum wait
// and with the same GTID on commit; an admin statement is answered by the simulator with the values written
// into the text as literals.
type PreparedStmt struct {
	s    *Session
	text string
	// holes are the byte offsets of the ? placeholders, found by the lexer: never inside strings,
	// quoted identifiers or comments.
	holes []int
	// data is the data store's prepared statement on conn; nil for admin statements.
	data *sql.Stmt
	conn *sql.Conn
	rows bool
	// columns are the result columns known at prepare time (see probeColumns); nil when unknown.
	columns []Column
}

// Prepare checks a COM_STMT_PREPARE text: exactly one statement (1065 for none, 1064 near the second),
// tokens that lex, and for a data statement the data store's own prepare (syntax, unknown tables and
// columns come back with their codes, as from mysqld).
func (m *Member) Prepare(ctx context.Context, s *Session, query string) (*PreparedStmt, error) {
	stmt, err := preparedText(query, s.noBackslashEscapes())
	if err != nil {
		return nil, err
	}
	p, perr := newParser(stmt, s.noBackslashEscapes())
	if perr != nil {
		return nil, perr
	}
	ps := &PreparedStmt{s: s, text: stmt, holes: placeholderOffsets(p.toks)}
	if !isDataStatement(p) {
		return ps, m.checkSessionUsable(s)
	}
	if ps.conn, err = m.prepareConn(ctx, s); err != nil {
		return nil, err
	}
	if ps.data, err = ps.conn.PrepareContext(ctx, stmt); err != nil {
		return nil, translateErr(err)
	}
	if ps.rows = returnsRows(p); ps.rows {
		ps.columns = probeColumns(ctx, ps.conn, p, stmt, len(ps.holes))
	}
	return ps, nil
}

// preparedText is the one statement of a prepared text; a trailing ';' is allowed, a second statement
// is not (mysqld: ER_PARSE_ERROR near it).
func preparedText(query string, noBackslash bool) (string, error) {
	parts := splitStatements(query, noBackslash)
	if strings.TrimSpace(parts[0]) == "" {
		return "", sqlErr(1065, "42000", "Query was empty")
	}
	if len(parts) > 1 {
		return "", errParse(strings.TrimSpace(strings.Join(parts[1:], ";")), 1)
	}
	return parts[0], nil
}

func placeholderOffsets(toks []token) []int {
	var holes []int
	for _, t := range toks {
		if t.isPunct("?") {
			holes = append(holes, t.pos)
		}
	}
	return holes
}

func (m *Member) checkSessionUsable(s *Session) error {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.sessionUsable(s)
}

// prepareConn is the session's data-store connection with the pending session settings applied, as
// execData gets it before running a statement.
func (m *Member) prepareConn(ctx context.Context, s *Session) (*sql.Conn, error) {
	m.g.mu.Lock()
	if err := m.sessionUsable(s); err != nil {
		m.g.mu.Unlock()
		return nil, err
	}
	conn, err := m.sessionConn(ctx, s)
	sets := s.dataSets
	s.dataSets = nil
	m.g.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for _, set := range sets {
		if _, err := conn.ExecContext(ctx, set); err != nil {
			return nil, translateErr(err)
		}
	}
	return conn, nil
}

// NumParams is the number of placeholders.
func (ps *PreparedStmt) NumParams() int { return len(ps.holes) }

// Columns are the result columns known before execution: those of a data statement the data store could
// describe, nil otherwise (admin statements, SHOW, CALL, statements that return no rows).
func (ps *PreparedStmt) Columns() []Column { return ps.columns }

// Close releases the data store's prepared statement.
func (ps *PreparedStmt) Close() {
	if ps.data != nil {
		_ = ps.data.Close()
	}
}

// ExecPrepared runs a prepared statement with one argument per placeholder: nil (NULL), int64, uint64,
// float32, float64, string, []byte, time.Time or time.Duration.
func (m *Member) ExecPrepared(ctx context.Context, ps *PreparedStmt, args []any) (Result, error) {
	if len(args) != len(ps.holes) {
		return Result{}, sqlErr(1210, "HY000", "Incorrect arguments to mysqld_stmt_execute")
	}
	if ps.data == nil {
		rs, err := m.Exec(ctx, ps.s, ps.bind(args))
		if len(rs) == 0 {
			return Result{}, err
		}
		return rs[0], err
	}
	run := func(ctx context.Context, conn *sql.Conn, _ *parser, _ string) (Result, error) {
		return ps.run(ctx, conn, args)
	}
	return m.execOne(ctx, ps.s, ps.text, run)
}

// run executes the data store's prepared statement. The session keeps one connection, so a different one
// only appears if the session was rebuilt; the statement is then prepared there again.
func (ps *PreparedStmt) run(ctx context.Context, conn *sql.Conn, args []any) (Result, error) {
	if conn != ps.conn {
		data, err := conn.PrepareContext(ctx, ps.text)
		if err != nil {
			return Result{}, translateErr(err)
		}
		ps.Close()
		ps.data, ps.conn = data, conn
	}
	fwd := make([]any, len(args))
	for i, a := range args {
		fwd[i] = dataStoreArg(a)
	}
	if ps.rows {
		rows, err := ps.data.QueryContext(ctx, fwd...)
		if err != nil {
			return Result{}, translateErr(err)
		}
		defer func() { _ = rows.Close() }()
		return readRows(rows)
	}
	res, err := ps.data.ExecContext(ctx, fwd...)
	if err != nil {
		return Result{}, translateErr(err)
	}
	var r Result
	if n, err := res.RowsAffected(); err == nil {
		r.AffectedRows = uint64(n)
	}
	if id, err := res.LastInsertId(); err == nil {
		r.LastInsertID = uint64(id)
	}
	return r, nil
}

// dataStoreArg is an argument as the data store's driver should send it. Dates and times travel as MySQL's
// text, so the driver's time zone setting cannot shift them and a TIME is not taken for nanoseconds.
func dataStoreArg(a any) any {
	switch v := a.(type) {
	case time.Time:
		return v.Format("2006-01-02 15:04:05.999999")
	case time.Duration:
		return mysqlTimeText(v)
	}
	return a
}

// bind writes the arguments into the text as SQL literals, for the simulator's own parser.
func (ps *PreparedStmt) bind(args []any) string {
	var b strings.Builder
	last := 0
	for i, pos := range ps.holes {
		b.WriteString(ps.text[last:pos])
		b.WriteString(argLiteral(args[i]))
		last = pos + 1
	}
	b.WriteString(ps.text[last:])
	return b.String()
}

// argLiteral renders a value as the SQL literal the simulator's lexer reads back to the same value (no
// exponents: they lex as identifiers there).
func argLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		return quoteString(x)
	case []byte:
		return quoteString(string(x))
	case time.Time:
		return quoteString(x.Format("2006-01-02 15:04:05.999999"))
	case time.Duration:
		return quoteString(mysqlTimeText(x))
	}
	return quoteString(fmt.Sprint(v))
}

// mysqlTimeText prints a duration as a MySQL TIME: [-]hh:mm:ss[.ffffff].
func mysqlTimeText(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	s := fmt.Sprintf("%s%02d:%02d:%02d", sign, d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second)
	if us := d % time.Second / time.Microsecond; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s
}
