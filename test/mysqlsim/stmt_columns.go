package mysqlsim

import (
	"context"
	"database/sql"
)

// probeColumns asks the data store which columns a row-returning statement will have, without running
// it: database/sql does not pass on the metadata of the data store's own COM_STMT_PREPARE, so the statement
// is wrapped as a derived table with LIMIT 0 and executed with NULL arguments, which returns no rows and
// evaluates nothing. Clients need the count at prepare time (sysbench 1.0 decides there whether a
// statement reads). A statement that cannot be wrapped (SHOW, CALL, FOR UPDATE, INTO, duplicate column
// names) announces no columns, as mysqld does for SHOW and CALL; its executions still send them. Inside an
// open REPEATABLE READ transaction the probe may be the read that fixes InnoDB's snapshot, a little earlier
// than the client's own first read.
func probeColumns(ctx context.Context, conn *sql.Conn, p *parser, stmt string, params int) []Column {
	if !probeable(p) {
		return nil
	}
	// Newlines keep a trailing -- or # comment from swallowing the closing parenthesis.
	rows, err := conn.QueryContext(ctx, "SELECT * FROM (\n"+stmt+"\n) AS orca_sim_probe LIMIT 0",
		make([]any, params)...)
	if err != nil {
		return nil
	}
	defer func() { _ = rows.Close() }()
	r, err := readRows(rows)
	if err != nil {
		return nil
	}
	return r.Columns
}

// probeable reports whether a statement is a plain query that may sit in a derived table: SELECT, WITH,
// VALUES, TABLE or a parenthesised query, without locking reads or INTO.
func probeable(p *parser) bool {
	first := p.peek()
	if !first.is("SELECT") && !first.is("WITH") && !first.is("VALUES") && !first.is("TABLE") && !first.isPunct("(") {
		return false
	}
	for i, t := range p.toks {
		next := p.toks[min(i+1, len(p.toks)-1)]
		if t.is("INTO") || (t.is("FOR") && (next.is("UPDATE") || next.is("SHARE"))) || (t.is("LOCK") && next.is("IN")) {
			return false
		}
	}
	return true
}
