package mysqlsim

import (
	"crypto/tls"
	"time"
)

// Name is the member's name in the simulator.
func (m *Member) Name() string { return m.cfg.Name }

// UUID is @@server_uuid.
func (m *Member) UUID() string { return m.uuid }

// TLSConfig is the certificate the member serves since its last boot (MemberConfig.TLS); nil for the default.
func (m *Member) TLSConfig() *tls.Config {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.cfg.TLS
}

// Host is the member's host (MEMBER_HOST, the address its listeners use).
func (m *Member) Host() string {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.cfg.Host
}

// Port is the classic protocol port (@@port).
func (m *Member) Port() int {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.cfg.Port
}

// XPort is the X Protocol port (@@mysqlx_port).
func (m *Member) XPort() int {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.cfg.XPort
}

// Version is @@version: the version of the server binary the member runs now (RestartWith changes
// it).
func (m *Member) Version() string {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.cfg.Version
}

// Up reports whether mysqld is running.
func (m *Member) Up() bool {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.up
}

// Incarnation counts the boots of the member; front-ends reopen listeners when it changes.
func (m *Member) Incarnation() int {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.incarnation
}

// State is the member's own MEMBER_STATE.
func (m *Member) State() MemberState {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.state
}

// Role is the member's own MEMBER_ROLE.
func (m *Member) Role() Role {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return roleOf(m)
}

// ViewID is the id of the view the member is in ("" when not in a group).
func (m *Member) ViewID() string {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	if m.view == nil {
		return ""
	}
	return m.view.id
}

// HasQuorum reports whether the member sees a majority of its view.
func (m *Member) HasQuorum() bool {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.hasQuorum()
}

// GTIDExecuted is @@gtid_executed.
func (m *Member) GTIDExecuted() GTIDSet {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.gtid
}

// Var returns a global variable's current value as SHOW GLOBAL VARIABLES prints it.
func (m *Member) Var(name string) (string, bool) {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	if lookupVar(name, m.loaded) == nil {
		return "", false
	}
	return m.globalValue(name), true
}

// ErrorLog returns a copy of the member's error log.
func (m *Member) ErrorLog() []LogEntry {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return append([]LogEntry(nil), m.errorLog...)
}

// MemberView is one row of performance_schema.replication_group_members as a member sees it.
type MemberView struct {
	UUID, Host string
	Port       int
	State      MemberState
	Role       Role
	Version    string
}

// GroupMembers returns replication_group_members as this member would.
func (m *Member) GroupMembers() []MemberView {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.groupMembers()
}

func (m *Member) groupMembers() []MemberView {
	if !m.loaded[pluginGR] {
		return nil
	}
	if m.view == nil {
		version := ""
		if m.state == StateError {
			version = m.cfg.Version
		}
		return []MemberView{{UUID: m.uuid, Host: m.reportHost(), Port: m.cfg.Port, State: m.state, Version: version}}
	}
	rows := make([]MemberView, 0, len(m.view.members))
	for _, x := range m.view.members {
		st := x.state
		role := roleIn(m.view, x)
		switch {
		case x == m:
			role = roleOf(m)
		case m.suspects[x]:
			st = StateUnreachable
		case x.view != m.view:
			st = StateOnline // crashed or moved on, not detected yet: the last state m heard of
		}
		if st == StateError || st == StateOffline {
			role = RoleNone
		}
		rows = append(rows, MemberView{UUID: x.uuid, Host: x.reportHost(), Port: x.cfg.Port, State: st, Role: role,
			Version: x.cfg.Version})
	}
	return rows
}

func (m *Member) reportHost() string {
	if h := m.globals["report_host"]; h != "" {
		return h
	}
	return m.cfg.Host
}

// BootedAt is when the current incarnation started.
func (m *Member) BootedAt() time.Time {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.bootedAt
}
