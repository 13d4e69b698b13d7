package mysqlsim

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
)

type dataKind int

const (
	dOther dataKind = iota
	dWrite          // DML: part of the transaction
	dDDL            // implicit commit, own GTID
	dBegin
	dCommit
	dRollback
	dUse
)

func classifyData(p *parser) dataKind {
	t0, t1 := p.peekAt(0), p.peekAt(1)
	switch {
	case t0.is("INSERT"), t0.is("UPDATE"), t0.is("DELETE"), t0.is("REPLACE"), t0.is("LOAD"):
		return dWrite
	case (t0.is("CREATE") || t0.is("DROP")) && t1.is("TEMPORARY"):
		return dOther
	case t0.is("CREATE"), t0.is("DROP"), t0.is("ALTER"), t0.is("TRUNCATE"), t0.is("RENAME"):
		return dDDL
	case t0.is("BEGIN"), t0.is("START"):
		return dBegin
	case t0.is("COMMIT"):
		return dCommit
	case t0.is("ROLLBACK") && !t1.is("TO"):
		return dRollback
	case t0.is("USE"):
		return dUse
	}
	return dOther
}

func returnsRows(p *parser) bool {
	t := p.peek()
	for _, kw := range []string{"SELECT", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "WITH", "VALUES", "TABLE", "CALL",
		"HELP", "CHECK", "ANALYZE", "OPTIMIZE", "REPAIR", "CHECKSUM"} {
		if t.is(kw) {
			return true
		}
	}
	return t.isPunct("(")
}

// dataRunner executes a data statement on the session's data-store connection.
type dataRunner func(ctx context.Context, conn *sql.Conn, p *parser, stmt string) (Result, error)

// execData forwards a statement to the data store that stands for the group's replicated data.
// Writes obey super_read_only / read_only and block without quorum; committed writes get a GTID.
func (m *Member) execData(ctx context.Context, s *Session, p *parser, stmt string, run dataRunner) (Result, error) {
	kind := classifyData(p)
	m.g.mu.Lock()
	if err := m.sessionUsable(s); err != nil {
		m.g.mu.Unlock()
		return Result{}, err
	}
	autocommit := s.vars["autocommit"] == "ON" && !s.inTx
	var err error
	switch {
	case kind == dWrite && autocommit, kind == dDDL:
		err = m.checkWritable(ctx, s)
	case kind == dWrite:
		err = m.checkReadOnly(s)
	case kind == dCommit && s.txWrites:
		err = m.waitQuorum(ctx, s)
	}
	if err != nil {
		m.g.mu.Unlock()
		return Result{}, err
	}
	conn, err := m.sessionConn(ctx, s)
	sets := s.dataSets
	s.dataSets = nil
	m.g.mu.Unlock()
	if err != nil {
		return Result{}, err
	}
	for _, set := range sets {
		if _, err := conn.ExecContext(ctx, set); err != nil {
			return Result{}, translateErr(err)
		}
	}
	r, err := run(ctx, conn, p, stmt)
	if err != nil {
		return Result{}, err
	}
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	// A member that crashed (or restarted) while the statement ran never commits it: the client loses the
	// connection and no GTID is logged. The shared data store keeps the row, a limit of the simulator.
	if err := m.sessionUsable(s); err != nil {
		return Result{}, err
	}
	m.afterData(s, p, kind, autocommit)
	return r, nil
}

func (m *Member) afterData(s *Session, p *parser, kind dataKind, autocommit bool) {
	switch kind {
	case dBegin:
		s.inTx, s.txWrites, s.txStmts = true, false, nil
	case dCommit, dRollback:
		if kind == dCommit && s.txWrites {
			m.commitTx(s, nil, s.dmlBody())
		}
		s.inTx, s.txWrites, s.txStmts = false, false, nil
	case dDDL:
		if s.txWrites {
			m.commitTx(s, nil, s.dmlBody())
		}
		s.inTx, s.txWrites, s.txStmts = false, false, nil
		m.commitTx(s, nil, s.ddlBody(p.src))
	case dWrite:
		s.txStmts = append(s.txStmts, p.src)
		if autocommit {
			m.commitTx(s, nil, s.dmlBody())
			s.txStmts = nil
		} else {
			s.inTx, s.txWrites = true, true
		}
	case dUse:
		if db := p.peekAt(1); db.kind == tIdent {
			s.db = db.text
		}
	}
}

// sessionConn returns the session's dedicated data-store connection. Called with the lock held.
func (m *Member) sessionConn(ctx context.Context, s *Session) (*sql.Conn, error) {
	if s.conn != nil {
		return s.conn, nil
	}
	if m.g.db == nil {
		return nil, sqlErr(1105, "HY000", "Unknown error: the simulator has no data store (Config.DataDSN)")
	}
	conn, err := m.g.db.Conn(ctx)
	if err != nil {
		return nil, sqlErr(2003, "HY000", "data store unavailable: %v", err)
	}
	s.conn = conn
	return conn, nil
}

func runOnConn(ctx context.Context, conn *sql.Conn, p *parser, stmt string) (Result, error) {
	if !returnsRows(p) {
		res, err := conn.ExecContext(ctx, stmt)
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
	rows, err := conn.QueryContext(ctx, stmt)
	if err != nil {
		return Result{}, translateErr(err)
	}
	defer func() { _ = rows.Close() }()
	return readRows(rows)
}

func readRows(rows *sql.Rows) (Result, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return Result{}, translateErr(err)
	}
	r := Result{Rows: [][]any{}}
	for _, t := range types {
		r.Columns = append(r.Columns, columnFromDB(t))
	}
	raw := make([]sql.RawBytes, len(types))
	dest := make([]any, len(types))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return Result{}, translateErr(err)
		}
		row := make([]any, len(raw))
		for i, b := range raw {
			row[i] = convertCell(r.Columns[i], dateText(types[i], b))
		}
		r.Rows = append(r.Rows, row)
	}
	return r, translateErr(rows.Err())
}

func columnFromDB(t *sql.ColumnType) Column {
	name := strings.ToUpper(t.DatabaseTypeName())
	c := Column{Name: t.Name(), Type: TypeVarchar, Unsigned: strings.HasPrefix(name, "UNSIGNED ")}
	name = strings.TrimPrefix(name, "UNSIGNED ")
	switch name {
	case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "YEAR":
		c.Type = TypeLongLong
	case "DECIMAL":
		c.Type = TypeDecimal
	case "FLOAT", "DOUBLE":
		c.Type = TypeDouble
	case "DATETIME", "TIMESTAMP":
		c.Type = TypeDateTime
	case "DATE":
		c.Type = TypeDate
	case "TIME":
		c.Type = TypeTime
	case "BLOB", "TINYBLOB", "MEDIUMBLOB", "LONGBLOB", "BINARY", "VARBINARY", "BIT", "GEOMETRY":
		c.Type = TypeBlob
	}
	return c
}

func convertCell(c Column, b sql.RawBytes) any {
	if b == nil {
		return nil
	}
	switch c.Type {
	case TypeLongLong:
		if c.Unsigned {
			n, _ := strconv.ParseUint(string(b), 10, 64)
			return n
		}
		n, _ := strconv.ParseInt(string(b), 10, 64)
		return n
	case TypeDouble:
		f, _ := strconv.ParseFloat(string(b), 64)
		return f
	case TypeBlob:
		return append([]byte(nil), b...)
	}
	return string(b)
}

// translateErr turns a MariaDB error into the error MySQL 8.4 would send (same code and SQLSTATE;
// the syntax error names MySQL).
func translateErr(err error) error {
	if err == nil {
		return nil
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		msg := strings.ReplaceAll(me.Message, "MariaDB server version", "MySQL server version")
		return &Error{Code: me.Number, State: string(me.SQLState[:]), Message: msg}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return sqlErr(2013, "HY000", "Lost connection to MySQL server during query: %v", err)
}
