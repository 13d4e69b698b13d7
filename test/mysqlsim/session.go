package mysqlsim

import (
	"context"
	"database/sql"
	"strings"
)

// Session is one client connection's state on a member: the account, session variables, user
// variables, current database, open transaction, and a dedicated connection to the data store.
type Session struct {
	m           *Member
	incarnation int
	id          uint64
	user, host  string
	acct        *account
	vars        map[string]string
	userVars    map[string]any
	db          string
	conn        *sql.Conn
	inTx        bool
	txWrites    bool
	txStmts     []string // the open transaction's writes, for its binary log body
	dead        bool
	dataSets    []string // session settings still to apply on conn
	// backupLock is true while the session holds LOCK INSTANCE FOR BACKUP.
	backupLock bool
}

// NewSession opens a session for a client that authenticated as user from clientHost. The front-end
// checks the password first (LookupAccount). With offline_mode=ON only users with
// CONNECTION_ADMIN or SUPER may connect (ER 3032).
func (m *Member) NewSession(user, clientHost string) (*Session, error) {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	if !m.up {
		return nil, ErrMemberDown
	}
	acct := m.accounts.match(user, clientHost)
	if acct == nil {
		return nil, errAccessDenied(user, clientHost)
	}
	s := &Session{m: m, incarnation: m.incarnation, id: m.g.nextConnID(), user: user, host: clientHost, acct: acct,
		vars: map[string]string{}, userVars: map[string]any{}}
	if m.boolVar("offline_mode") && !s.hasAny("CONNECTION_ADMIN", "SUPER") {
		return nil, sqlErr(3032, "HY000", "The server is currently in offline mode")
	}
	for name, v := range varCatalog {
		if v.scope&scopeSession != 0 {
			s.vars[name] = m.globals[name]
		}
	}
	m.sessions[s] = true
	if m.g.logins == nil {
		m.g.logins = map[string]int{}
	}
	m.g.logins[user]++
	return s, nil
}

// RootSession opens a session as 'root'@'localhost', for tests and tools.
func (m *Member) RootSession() (*Session, error) { return m.NewSession("root", "localhost") }

// ID is the connection id (CONNECTION_ID()).
func (s *Session) ID() uint64 { return s.id }

// User is the login user name.
func (s *Session) User() string { return s.user }

// Database is the current default database ("" for none).
func (s *Session) Database() string {
	s.m.g.mu.Lock()
	defer s.m.g.mu.Unlock()
	return s.db
}

// Var returns a session variable (for example mysqlx_wait_timeout).
func (s *Session) Var(name string) (string, bool) {
	s.m.g.mu.Lock()
	defer s.m.g.mu.Unlock()
	v, ok := s.vars[strings.ToLower(name)]
	return v, ok
}

// noBackslashEscapes reports whether the session's sql_mode has NO_BACKSLASH_ESCAPES: its statements read a
// backslash in a string as an ordinary byte (manual 7.1.11 "Server SQL Modes").
func (s *Session) noBackslashEscapes() bool {
	mode, _ := s.Var("sql_mode")
	for _, m := range strings.Split(mode, ",") {
		if strings.EqualFold(strings.TrimSpace(m), "NO_BACKSLASH_ESCAPES") {
			return true
		}
	}
	return false
}

// InTransaction reports whether an explicit transaction is open (SERVER_STATUS_IN_TRANS).
func (s *Session) InTransaction() bool {
	s.m.g.mu.Lock()
	defer s.m.g.mu.Unlock()
	return s.inTx
}

// Alive reports whether the session's member incarnation is still running.
func (s *Session) Alive() bool {
	s.m.g.mu.Lock()
	defer s.m.g.mu.Unlock()
	return !s.dead && s.m.up && s.m.incarnation == s.incarnation
}

// Close ends the session; an open transaction is rolled back.
func (s *Session) Close() {
	s.m.g.mu.Lock()
	delete(s.m.sessions, s)
	conn := s.conn
	s.conn = nil
	s.dead = true
	s.m.g.mu.Unlock()
	closeConn(conn)
}

// closeConn rolls back whatever the connection had open, releases its table locks and global read lock (a
// session's end releases them on a real server, manual 15.3.6 "LOCK TABLES and UNLOCK TABLES Statements"; the
// pooled data-store connection would keep them) and returns it to the pool.
func closeConn(conn *sql.Conn) {
	if conn == nil {
		return
	}
	_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
	_, _ = conn.ExecContext(context.Background(), "UNLOCK TABLES")
	_ = conn.Close()
}

// hasAny reports whether the session's account holds one of the global privileges.
func (s *Session) hasAny(privs ...string) bool {
	if s.acct == nil {
		return false
	}
	for _, p := range privs {
		if s.acct.hasGlobal(p) {
			return true
		}
	}
	return false
}

func (m *Member) killUnprivilegedSessions() {
	for s := range m.sessions {
		if !s.hasAny("CONNECTION_ADMIN", "SUPER") {
			s.dead = true
			delete(m.sessions, s)
		}
	}
}
