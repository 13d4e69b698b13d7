package mysqlsim

import (
	"context"
	"strings"
)

// execStart runs START GROUP_REPLICATION [USER='u'] [, PASSWORD='p'] [, DEFAULT_AUTH='plugin']
// (MySQL 8.4 manual, "START GROUP_REPLICATION Statement"). START REPLICA fails: the simulator has no
// asynchronous channels.
func (m *Member) execStart(ctx context.Context, s *Session, p *parser) (Result, error) {
	if p.accept("REPLICA") {
		return Result{}, sqlErr(1200, "HY000", "The server is not configured as replica; fix in config file or "+
			"with CHANGE REPLICATION SOURCE TO")
	}
	if !p.accept("GROUP_REPLICATION") || !m.loaded[pluginGR] {
		return Result{}, p.errHere()
	}
	var creds *recoveryCreds
	havePassword := false
	for p.peek().kind == tIdent {
		opt := strings.ToUpper(p.next().text)
		if err := p.expectPunct("="); err != nil {
			return Result{}, err
		}
		v, err := p.text()
		if err != nil {
			return Result{}, err
		}
		if creds == nil {
			creds = &recoveryCreds{}
		}
		switch opt {
		case "USER":
			if v == "" {
				return Result{}, errGRUserEmpty()
			}
			creds.User = v
		case "PASSWORD":
			if len(v) > 32 {
				return Result{}, sqlErr(3972, "HY000", "Password length is longer than 32 characters.")
			}
			creds.Password, havePassword = v, true
		case "DEFAULT_AUTH":
		default:
			p.i -= 3
			return Result{}, p.errHere()
		}
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	if havePassword && creds.User == "" {
		return Result{}, errGRUserMandatory()
	}
	if !s.hasAny("GROUP_REPLICATION_ADMIN", "SUPER") {
		return Result{}, errSpecificAccess("SUPER or GROUP_REPLICATION_ADMIN")
	}
	if err := m.g.startGRCtx(ctx, m, creds, false); err != nil {
		return Result{}, err
	}
	return Result{}, nil
}

// execStop runs STOP GROUP_REPLICATION.
func (m *Member) execStop(s *Session, p *parser) (Result, error) {
	if p.accept("REPLICA") {
		return Result{Warnings: 1}, p.endErr()
	}
	if !p.accept("GROUP_REPLICATION") || !m.loaded[pluginGR] {
		return Result{}, p.errHere()
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	if !s.hasAny("GROUP_REPLICATION_ADMIN", "SUPER") {
		return Result{}, errSpecificAccess("SUPER or GROUP_REPLICATION_ADMIN")
	}
	m.g.stopGR(m)
	return Result{}, nil
}

// execChange runs CHANGE REPLICATION SOURCE TO SOURCE_USER='u', SOURCE_PASSWORD='p' FOR CHANNEL
// 'group_replication_recovery' (the stored recovery credentials). CHANGE MASTER was removed in 8.4.
func (m *Member) execChange(s *Session, p *parser) (Result, error) {
	if err := p.expect("REPLICATION", "SOURCE", "TO"); err != nil {
		return Result{}, err
	}
	creds := m.recovery
	for {
		opt, err := p.ident()
		if err != nil {
			return Result{}, err
		}
		if err := p.expectPunct("="); err != nil {
			return Result{}, err
		}
		v, err := p.literal()
		if err != nil {
			return Result{}, err
		}
		switch strings.ToUpper(opt) {
		case "SOURCE_USER":
			creds.User = v.text
		case "SOURCE_PASSWORD":
			creds.Password = v.text
		}
		if !p.acceptPunct(",") {
			break
		}
	}
	channel := ""
	if p.acceptSeq("FOR", "CHANNEL") {
		c, err := p.text()
		if err != nil {
			return Result{}, err
		}
		channel = c
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	if !s.hasAny("REPLICATION_SLAVE_ADMIN", "SUPER") {
		return Result{}, errSpecificAccess("SUPER or REPLICATION_SLAVE_ADMIN")
	}
	if channel != "group_replication_recovery" {
		return Result{}, sqlErr(3074, "HY000", "Replication channel '%s' does not exist.", channel)
	}
	m.recovery = creds
	return Result{}, nil
}

// execReset runs RESET PERSIST [[IF EXISTS] name] and RESET BINARY LOGS AND GTIDS. RESET MASTER
// was removed in 8.4.
func (m *Member) execReset(s *Session, p *parser) (Result, error) {
	switch {
	case p.accept("PERSIST"):
		ifExists := p.acceptSeq("IF", "EXISTS")
		if p.peek().kind == tEOF {
			m.persist = map[string]persisted{}
			return Result{}, nil
		}
		name, err := p.ident()
		if err != nil {
			return Result{}, err
		}
		if err := p.end(); err != nil {
			return Result{}, err
		}
		name = strings.ToLower(name)
		if _, ok := m.persist[name]; !ok {
			if ifExists {
				return Result{Warnings: 1}, nil
			}
			return Result{}, sqlErr(3615, "HY000", "Variable %s does not exist in persisted config file", name)
		}
		delete(m.persist, name)
		return Result{}, nil
	case p.acceptSeq("BINARY", "LOGS", "AND", "GTIDS"):
		if err := p.end(); err != nil {
			return Result{}, err
		}
		if !s.hasAny("RELOAD") {
			return Result{}, errSpecificAccess("RELOAD")
		}
		if m.grRunning {
			return Result{}, sqlErr(3190, "HY000", "RESET BINARY LOGS AND GTIDS is not allowed because Group "+
				"Replication is running.")
		}
		m.gtid, m.purged = GTIDSet{}, GTIDSet{}
		m.resetRelayLogs()
		m.recChannel.errNo, m.recChannel.errMsg = 0, ""
		return Result{}, nil
	}
	return Result{}, p.errHere()
}

// execPlugin runs INSTALL PLUGIN name SONAME 'lib' and UNINSTALL PLUGIN name.
func (m *Member) execPlugin(s *Session, first token, p *parser) (Result, error) {
	if err := p.expect("PLUGIN"); err != nil {
		return Result{}, err
	}
	name, err := p.ident()
	if err != nil {
		return Result{}, err
	}
	name = strings.ToLower(name)
	if first.is("INSTALL") {
		if err := p.expect("SONAME"); err != nil {
			return Result{}, err
		}
		lib, err := p.text()
		if err != nil {
			return Result{}, err
		}
		if err := p.end(); err != nil {
			return Result{}, err
		}
		if pluginForLibrary(lib) != name {
			return Result{}, sqlErr(1126, "HY000", "Can't open shared library '%s' (errno: 0 cannot open shared "+
				"object file: No such file or directory)", lib)
		}
		if m.loaded[name] {
			return Result{}, sqlErr(1968, "HY000", "Plugin '%s' already installed", name)
		}
		m.plugins[name], m.loaded[name] = true, true
		return Result{}, nil
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	if !m.loaded[name] {
		return Result{}, sqlErr(1305, "42000", "PLUGIN %s does not exist", name)
	}
	if name == pluginGR && m.grRunning {
		return Result{}, sqlErr(3094, "HY000", "Plugin 'group_replication' cannot be uninstalled now. Stop any "+
			"Group Replication operations before uninstalling it.")
	}
	delete(m.plugins, name)
	delete(m.loaded, name)
	return Result{}, nil
}

// execRestart runs RESTART / SHUTDOWN (MySQL 8.4 manual, "RESTART Statement").
func (m *Member) execRestart(s *Session, first token, p *parser) (Result, error) {
	if err := p.end(); err != nil {
		return Result{}, err
	}
	if !s.hasAny("SHUTDOWN") {
		return Result{}, errSpecificAccess("SHUTDOWN")
	}
	if first.is("RESTART") && m.cfg.Unsupervised {
		return Result{}, errRestartNotSupervised()
	}
	g := m.g
	if g.reachableMajorityLeave(m) {
		g.leaveView(m)
	}
	// A clean stop says so in the error log, which is how a supervisor (or simworld's kubelet) tells it from a
	// crash: exit code 0, not 137.
	m.logf("System", "MY-013172", "Server", "Received SHUTDOWN from user %s. Shutting down mysqld (Version: %s).",
		s.user, m.cfg.Version)
	m.logf("System", "MY-010910", "Server", "/usr/sbin/mysqld: Shutdown complete (mysqld %s)  MySQL Community "+
		"Server - GPL.", m.cfg.Version)
	g.crash(m)
	if first.is("RESTART") {
		g.after(g.cfg.BootSeconds, func() {
			if !m.up {
				_ = m.boot()
				g.connectivityChanged()
			}
		})
	}
	return Result{}, nil
}

// reachableMajorityLeave says whether a shutting-down member can leave its group cleanly.
func (g *Group) reachableMajorityLeave(m *Member) bool { return m.view != nil && m.canCommit() }

// execFlush accepts FLUSH PRIVILEGES / LOGS / BINARY LOGS / TABLES / STATUS / HOSTS.
func (m *Member) execFlush(s *Session, p *parser) (Result, error) {
	p.accept("LOCAL")
	p.accept("NO_WRITE_TO_BINLOG")
	for {
		t := p.next()
		switch {
		case t.is("PRIVILEGES"), t.is("LOGS"), t.is("TABLES"), t.is("STATUS"), t.is("HOSTS"),
			t.is("OPTIMIZER_COSTS"), t.is("USER_RESOURCES"):
		case t.is("BINARY"), t.is("ERROR"), t.is("RELAY"), t.is("GENERAL"), t.is("SLOW"), t.is("ENGINE"):
			if err := p.expect("LOGS"); err != nil {
				return Result{}, err
			}
		default:
			p.i--
			return Result{}, p.errHere()
		}
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	if !s.hasAny("RELOAD", "FLUSH_PRIVILEGES") {
		return Result{}, errSpecificAccess("RELOAD or FLUSH_PRIVILEGES")
	}
	return Result{}, nil
}

// execPurge runs PURGE BINARY LOGS TO 'file' | BEFORE 'date': everything executed becomes purged.
func (m *Member) execPurge(s *Session, p *parser) (Result, error) {
	if err := p.expect("BINARY", "LOGS"); err != nil {
		return Result{}, err
	}
	if !p.accept("TO") && !p.accept("BEFORE") {
		return Result{}, p.errHere()
	}
	if _, err := p.text(); err != nil {
		return Result{}, err
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	m.purged = m.gtid
	return Result{}, nil
}
