package mysqlsim

import (
	"context"
	"fmt"
	"strings"
)

// accountOp is an account statement's effect; it is replayed on members that receive the
// transaction through the group or distributed recovery.
type accountOp func(st *accountStore) (warnings uint16, err *Error)

type userSpec struct {
	user, host   string
	password     string
	plugin       string
	hasAuth      bool
	lock, unlock bool
}

// execAccount runs CREATE/ALTER/DROP USER, GRANT and REVOKE (MySQL 8.4 manual, "Account
// Management Statements"). They are written to the binary log: on a super_read_only member they fail
// with ER 1290, and with sql_log_bin=1 they become a transaction of the group.
func (m *Member) execAccount(ctx context.Context, s *Session, first token, p *parser) (Result, error) {
	var op accountOp
	var err *Error
	switch {
	case first.is("CREATE") && p.accept("USER"):
		op, err = m.parseCreateUser(s, p)
	case first.is("ALTER") && p.accept("USER"):
		op, err = m.parseAlterUser(s, p)
	case first.is("DROP") && p.accept("USER"):
		op, err = m.parseDropUser(s, p)
	case first.is("GRANT"):
		op, err = parseGrant(s, p, true)
	case first.is("REVOKE"):
		op, err = parseGrant(s, p, false)
	default:
		return Result{}, sqlErr(1235, "42000", "This version of MySQL doesn't yet support 'roles in the simulator'")
	}
	if err != nil {
		return Result{}, err
	}
	if first.is("GRANT") || first.is("REVOKE") {
		if !s.acct.grantOption["*.*"] {
			return Result{}, errSpecificAccess("GRANT OPTION")
		}
	} else if !s.hasAny("CREATE USER") {
		return Result{}, errSpecificAccess("CREATE USER")
	}
	if err := m.checkWritable(ctx, s); err != nil {
		return Result{}, err
	}
	w, opErr := op(m.accounts)
	if opErr != nil {
		return Result{}, opErr
	}
	m.commitTx(s, op, s.ddlBody(accountLogText(first)))
	return Result{Warnings: w}, nil
}

func (m *Member) parseUserSpecs(s *Session, p *parser, withAuth bool) ([]userSpec, *Error) {
	var specs []userSpec
	for {
		u, h, err := p.userName(s)
		if err != nil {
			return nil, err
		}
		spec := userSpec{user: u, host: h, plugin: pluginCachingSHA2}
		if withAuth && p.accept("IDENTIFIED") {
			if err := m.parseAuth(p, &spec); err != nil {
				return nil, err
			}
		}
		specs = append(specs, spec)
		if !p.acceptPunct(",") {
			return specs, nil
		}
	}
}

func (m *Member) parseAuth(p *parser, spec *userSpec) *Error {
	spec.hasAuth = true
	if p.accept("WITH") {
		plugin, err := p.ident()
		if err != nil {
			if plugin, err = p.text(); err != nil {
				return err
			}
		}
		plugin = strings.ToLower(plugin)
		switch {
		case plugin == pluginNative && m.boolOption("mysql_native_password"):
		case plugin == pluginCachingSHA2, plugin == pluginSHA256:
		default:
			return sqlErr(1524, "HY000", "Plugin '%s' is not loaded", plugin)
		}
		spec.plugin = plugin
		if !p.accept("BY") {
			return nil
		}
	} else if err := p.expect("BY"); err != nil {
		return err
	}
	if p.peek().is("RANDOM") {
		return sqlErr(1235, "42000", "This version of MySQL doesn't yet support 'RANDOM PASSWORD in the simulator'")
	}
	pw, err := p.text()
	spec.password = pw
	return err
}

// boolOption reads a startup option that is not a system variable (mysql_native_password=ON).
func (m *Member) boolOption(name string) bool {
	for k, v := range m.cfg.Options {
		if normalizeOption(k) == name || normalizeOption(k) == "loose_"+name {
			return strings.EqualFold(v, "ON") || v == "1" || strings.EqualFold(v, "TRUE")
		}
	}
	return false
}

// parseAccountOptions consumes the trailing options of CREATE/ALTER USER.
func parseAccountOptions(p *parser, specs []userSpec) *Error {
	for p.peek().kind != tEOF {
		var err *Error
		switch {
		case p.accept("REQUIRE"):
			if !p.accept("NONE") && !p.accept("SSL") && !p.accept("X509") {
				err = p.errHere()
			}
		case p.accept("ACCOUNT"):
			err = parseAccountLock(p, specs)
		case p.accept("PASSWORD"):
			err = parsePasswordExpire(p)
		case p.accept("COMMENT"), p.accept("ATTRIBUTE"):
			_, err = p.text()
		case p.accept("WITH"):
			err = parseResourceLimits(p)
		default:
			err = p.errHere()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parseAccountLock reads the rest of ACCOUNT LOCK|UNLOCK and records it on every spec.
func parseAccountLock(p *parser, specs []userSpec) *Error {
	lock := p.accept("LOCK")
	if !lock && !p.accept("UNLOCK") {
		return p.errHere()
	}
	for i := range specs {
		specs[i].lock, specs[i].unlock = lock, !lock
	}
	return nil
}

// parsePasswordExpire reads the rest of PASSWORD EXPIRE [INTERVAL n DAY | NEVER | DEFAULT]; the simulator ignores it.
func parsePasswordExpire(p *parser) *Error {
	if err := p.expect("EXPIRE"); err != nil {
		return err
	}
	if p.accept("INTERVAL") {
		p.next()
		return p.expect("DAY")
	}
	_ = p.accept("NEVER") || p.accept("DEFAULT")
	return nil
}

// parseResourceLimits reads the MAX_... n pairs after WITH; the simulator ignores them.
func parseResourceLimits(p *parser) *Error {
	for p.peek().kind == tIdent && strings.HasPrefix(strings.ToUpper(p.peek().text), "MAX_") {
		p.next()
		if p.next().kind != tNumber {
			p.i--
			return p.errHere()
		}
	}
	return nil
}

func quoteUser(u, h string) string { return "'" + u + "'@'" + h + "'" }

func (m *Member) parseCreateUser(s *Session, p *parser) (accountOp, *Error) {
	ifNotExists := p.acceptSeq("IF", "NOT", "EXISTS")
	specs, err := m.parseUserSpecs(s, p, true)
	if err != nil {
		return nil, err
	}
	if err := parseAccountOptions(p, specs); err != nil {
		return nil, err
	}
	return func(st *accountStore) (uint16, *Error) {
		var warnings uint16
		var failed []string
		for _, sp := range specs {
			if st.find(sp.user, sp.host) != nil {
				failed = append(failed, quoteUser(sp.user, sp.host))
			}
		}
		if len(failed) > 0 && !ifNotExists {
			return 0, errCannotUser("CREATE USER", strings.Join(failed, ","))
		}
		for _, sp := range specs {
			if st.find(sp.user, sp.host) != nil {
				warnings++
				continue
			}
			a := st.add(sp.user, sp.host, sp.password, sp.plugin)
			a.Locked = sp.lock
		}
		return warnings, nil
	}, nil
}

func (m *Member) parseAlterUser(s *Session, p *parser) (accountOp, *Error) {
	ifExists := p.acceptSeq("IF", "EXISTS")
	specs, err := m.parseUserSpecs(s, p, true)
	if err != nil {
		return nil, err
	}
	if err := parseAccountOptions(p, specs); err != nil {
		return nil, err
	}
	return func(st *accountStore) (uint16, *Error) {
		var warnings uint16
		for _, sp := range specs {
			if st.find(sp.user, sp.host) == nil {
				if !ifExists {
					return 0, errCannotUser("ALTER USER", quoteUser(sp.user, sp.host))
				}
				warnings++
			}
		}
		for _, sp := range specs {
			a := st.find(sp.user, sp.host)
			if a == nil {
				continue
			}
			if sp.hasAuth {
				a.Password, a.Plugin = sp.password, sp.plugin
			}
			if sp.lock || sp.unlock {
				a.Locked = sp.lock
			}
		}
		return warnings, nil
	}, nil
}

func (m *Member) parseDropUser(s *Session, p *parser) (accountOp, *Error) {
	ifExists := p.acceptSeq("IF", "EXISTS")
	specs, err := m.parseUserSpecs(s, p, false)
	if err != nil {
		return nil, err
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return func(st *accountStore) (uint16, *Error) {
		var warnings uint16
		var failed []string
		for _, sp := range specs {
			if st.find(sp.user, sp.host) == nil {
				failed = append(failed, quoteUser(sp.user, sp.host))
			}
		}
		if len(failed) > 0 && !ifExists {
			return 0, errCannotUser("DROP USER", strings.Join(failed, ","))
		}
		for _, sp := range specs {
			if a := st.find(sp.user, sp.host); a != nil {
				st.remove(a)
			} else {
				warnings++
			}
		}
		return warnings, nil
	}, nil
}

// showGrants runs SHOW GRANTS [FOR user].
func (m *Member) showGrants(s *Session, p *parser) (Result, error) {
	a := s.acct
	if p.accept("FOR") {
		u, h, err := p.userName(s)
		if err != nil {
			return Result{}, err
		}
		if a = m.accounts.find(u, h); a == nil {
			return Result{}, errNonexistingGrant(u, h)
		}
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	r := Result{Columns: textColumns(fmt.Sprintf("Grants for %s@%s", a.User, a.Host))}
	for _, line := range a.showGrants() {
		r.Rows = append(r.Rows, []any{line})
	}
	return r, nil
}
