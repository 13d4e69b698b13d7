package mysqlsim

import (
	"context"
	"strings"
	"time"
)

// Exec runs one COM_QUERY text (one or more ';'-separated statements) in the session and returns
// one Result per statement. Admin statements (variables, Group Replication, clone, accounts,
// performance_schema) are answered by the simulator with MySQL 8.4's syntax and errors; other
// statements go to the data store. The first failing statement ends the batch with its *Error.
// ErrMemberDown / ErrSessionClosed mean the connection is gone.
func (m *Member) Exec(ctx context.Context, s *Session, query string) ([]Result, error) {
	stmts := splitStatements(query, s.noBackslashEscapes())
	var out []Result
	for _, stmt := range stmts {
		if strings.TrimSpace(stmt) == "" {
			if len(stmts) == 1 {
				return nil, sqlErr(1065, "42000", "Query was empty")
			}
			continue
		}
		r, err := m.execOne(ctx, s, stmt, runOnConn)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// execOne runs one statement; run executes a data statement on the session's data-store connection (the
// text for COM_QUERY, the data store's prepared statement for COM_STMT_EXECUTE).
func (m *Member) execOne(ctx context.Context, s *Session, stmt string, run dataRunner) (Result, error) {
	m.g.mu.Lock()
	if err := m.sessionUsable(s); err != nil {
		m.g.mu.Unlock()
		return Result{}, err
	}
	slow, hold := m.slow, m.hold
	m.g.mu.Unlock()
	if err := hold.held(ctx, stmt); err != nil {
		return Result{}, err
	}
	if slow > 0 {
		t := time.NewTimer(slow)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return Result{}, ctx.Err()
		}
	}
	p, perr := newParser(stmt, s.noBackslashEscapes())
	if perr != nil {
		return Result{}, perr
	}
	if isFlushReadLock(p) {
		if err := m.checkFlushReadLock(s); err != nil {
			return Result{}, err
		}
		return m.execData(ctx, s, p, stmt, run)
	}
	if isDataStatement(p) {
		return m.execData(ctx, s, p, stmt, run)
	}
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	if err := m.sessionUsable(s); err != nil {
		return Result{}, err
	}
	r, err := m.execAdmin(ctx, s, p)
	m.g.changed()
	if err != nil {
		return Result{}, err
	}
	return r, nil
}

func (m *Member) sessionUsable(s *Session) error {
	if !m.up {
		return ErrMemberDown
	}
	if s.dead || s.incarnation != m.incarnation {
		return ErrSessionClosed
	}
	return nil
}

// isDataStatement decides which statements go to the data store. A SELECT is data unless it reads
// only what the simulator owns (no FROM, @@variables, functions it implements, performance_schema,
// mysql.user).
func isDataStatement(p *parser) bool {
	first := p.peek()
	switch {
	case first.is("SELECT"):
		return !isAdminSelect(p)
	case first.is("CREATE"), first.is("DROP"):
		return !p.peekAt(1).is("USER") && !p.peekAt(1).is("ROLE")
	case first.is("ALTER"):
		return !p.peekAt(1).is("USER")
	case first.is("START"):
		return p.peekAt(1).is("TRANSACTION")
	case first.is("LOCK"), first.is("UNLOCK"):
		return !p.peekAt(1).is("INSTANCE")
	case first.is("SHOW"):
		return !isAdminShow(p)
	}
	for _, kw := range dataKeywords {
		if first.is(kw) {
			return true
		}
	}
	return first.isPunct("(")
}

var dataKeywords = []string{
	"INSERT", "UPDATE", "DELETE", "REPLACE", "TRUNCATE", "RENAME", "LOAD", "USE", "BEGIN", "COMMIT", "ROLLBACK",
	"SAVEPOINT", "RELEASE", "DESCRIBE", "DESC", "EXPLAIN", "WITH", "CALL", "DO", "HANDLER", "LOCK", "UNLOCK",
	"PREPARE", "EXECUTE", "DEALLOCATE", "XA", "ANALYZE", "OPTIMIZE", "CHECK", "CHECKSUM", "REPAIR", "TABLE", "VALUES",
	"HELP",
}

func isAdminShow(p *parser) bool {
	i := 1
	for p.peekAt(i).is("GLOBAL") || p.peekAt(i).is("SESSION") || p.peekAt(i).is("FULL") {
		i++
	}
	t := p.peekAt(i)
	for _, kw := range []string{"GRANTS", "VARIABLES", "MASTER", "BINARY", "REPLICA", "SLAVE", "PLUGINS", "REPLICAS"} {
		if t.is(kw) {
			return true
		}
	}
	return false
}

// execAdmin runs an admin statement with the group lock held.
func (m *Member) execAdmin(ctx context.Context, s *Session, p *parser) (Result, error) {
	first := p.next()
	switch {
	case first.is("SELECT"):
		return m.execSelect(ctx, s, p)
	case first.is("SET"):
		return m.execSet(s, p)
	case first.is("START"):
		return m.execStart(ctx, s, p)
	case first.is("STOP"):
		return m.execStop(s, p)
	case first.is("CLONE"):
		return m.execClone(ctx, s, p)
	case first.is("CREATE"), first.is("ALTER"), first.is("DROP"), first.is("GRANT"), first.is("REVOKE"):
		return m.execAccount(ctx, s, first, p)
	case first.is("SHOW"):
		return m.execShow(s, p)
	case first.is("FLUSH"):
		return m.execFlush(s, p)
	case first.is("RESTART"), first.is("SHUTDOWN"):
		return m.execRestart(s, first, p)
	case first.is("RESET"):
		return m.execReset(s, p)
	case first.is("CHANGE"):
		return m.execChange(s, p)
	case first.is("INSTALL"), first.is("UNINSTALL"):
		return m.execPlugin(s, first, p)
	case first.is("PURGE"):
		return m.execPurge(s, p)
	case first.is("LOCK"), first.is("UNLOCK"):
		return m.execInstanceLock(s, first, p)
	}
	p.i--
	return Result{}, p.errHere()
}
