package mysqlsim

import (
	"strings"
)

// execSet runs SET [GLOBAL|SESSION|LOCAL|PERSIST|PERSIST_ONLY] var = value [, ...], SET @@scope.var,
// SET @user = literal or @@variable, SET NAMES and SET CHARACTER SET (MySQL 8.4 manual, "SET Syntax for Variable
// Assignment"). All assignments are parsed before any is applied.
func (m *Member) execSet(s *Session, p *parser) (Result, error) {
	if p.accept("NAMES") || p.acceptSeq("CHARACTER", "SET") || p.accept("CHARSET") {
		return m.setNames(s, p)
	}
	if p.peek().is("TRANSACTION") || (p.peek().is("SESSION") || p.peek().is("LOCAL")) && p.peekAt(1).is("TRANSACTION") {
		return m.setTransaction(s, p)
	}
	if p.peek().is("PASSWORD") || p.peek().is("DEFAULT") {
		return Result{}, sqlErr(1235, "42000", "This version of MySQL doesn't yet support '%s' in the simulator",
			strings.ToUpper(p.peek().text))
	}
	var list []assignment
	userVars := map[string]any{}
	scope := "session"
	for {
		if t := p.peek(); t.kind == tUserVar {
			p.i++
			val, err := m.parseUserVarValue(s, p)
			if err != nil {
				return Result{}, err
			}
			userVars[strings.ToLower(t.text)] = val
		} else {
			a, err := parseAssignment(p, &scope)
			if err != nil {
				return Result{}, err
			}
			list = append(list, a)
		}
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	var warnings uint16
	for _, a := range list {
		w, err := m.setVar(s, a)
		if err != nil {
			return Result{}, err
		}
		warnings += w
	}
	for k, v := range userVars {
		s.userVars[k] = v
	}
	return Result{Warnings: warnings}, nil
}

// parseUserVarValue reads "= expr" after a user variable and evaluates it.
func (m *Member) parseUserVarValue(s *Session, p *parser) (any, *Error) {
	if err := p.expectPunct("="); err != nil {
		return nil, err
	}
	v, err := parseExpr(p)
	if err != nil {
		return nil, err
	}
	return m.userVarValue(s, v)
}

// userVarValue is what SET @user = e stores: a literal, or a system variable's value (as replication clients
// do: SET @source_binlog_checksum = @@global.binlog_checksum).
func (m *Member) userVarValue(s *Session, e *expr) (any, *Error) {
	if e.kind == eVar {
		return m.readVar(s, e.scope, e.name)
	}
	return e2any(e), nil
}

func e2any(e *expr) any {
	if e.kind == eLit {
		return literalAny(e.lit)
	}
	return nil
}

// parseAssignment reads "[scope] name = value" or "@@[scope.]name = value". A scope keyword stays
// in force for the following assignments, as in MySQL.
func parseAssignment(p *parser, scope *string) (assignment, *Error) {
	t := p.peek()
	var name string
	switch {
	case t.kind == tSysVar:
		p.i++
		name = t.text
		a := assignment{scope: "session", name: name}
		switch t.scope {
		case "global", "persist", "persist_only":
			a.scope = t.scope
		}
		return finishAssignment(p, a)
	case t.is("GLOBAL") || t.is("PERSIST") || t.is("PERSIST_ONLY"):
		p.i++
		*scope = strings.ToLower(t.text)
	case t.is("SESSION") || t.is("LOCAL"):
		p.i++
		*scope = "session"
	}
	n, err := p.ident()
	if err != nil {
		return assignment{}, err
	}
	if p.acceptPunct(".") { // SET GLOBAL plugin.component_variable: none exist here
		sub, err := p.ident()
		if err != nil {
			return assignment{}, err
		}
		n = n + "." + sub
	}
	return finishAssignment(p, assignment{scope: *scope, name: strings.ToLower(n)})
}

func finishAssignment(p *parser, a assignment) (assignment, *Error) {
	if err := p.expectPunct("="); err != nil {
		return a, err
	}
	v, err := p.literal()
	if err != nil {
		return a, err
	}
	a.val = v
	return a, nil
}

func (m *Member) setNames(s *Session, p *parser) (Result, error) {
	v, err := p.literal()
	if err != nil {
		return Result{}, err
	}
	cs := strings.ToLower(v.text)
	if v.isDef {
		cs = "utf8mb4"
	}
	if p.accept("COLLATE") {
		if _, err := p.literal(); err != nil {
			return Result{}, err
		}
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	for _, name := range []string{"character_set_client", "character_set_connection", "character_set_results"} {
		s.vars[name] = cs
	}
	s.dataSets = append(s.dataSets, "SET NAMES "+quoteString(cs))
	return Result{}, nil
}

// execShow answers SHOW GRANTS, SHOW [GLOBAL|SESSION] VARIABLES [LIKE 'pattern'|WHERE ...], SHOW
// PLUGINS and SHOW REPLICA STATUS; SHOW MASTER STATUS and SHOW SLAVE ... no longer exist in 8.4.
func (m *Member) execShow(s *Session, p *parser) (Result, error) {
	if p.accept("GRANTS") {
		return m.showGrants(s, p)
	}
	global := p.accept("GLOBAL")
	if !global {
		p.accept("SESSION")
	}
	switch {
	case p.accept("VARIABLES"):
		return m.showVariables(s, p, global)
	case p.accept("PLUGINS"):
		r := Result{Columns: textColumns("Name", "Status", "Type", "Library", "License")}
		r.Rows = [][]any{}
		for _, pl := range []string{pluginGR, pluginClone} {
			if m.loaded[pl] {
				r.Rows = append(r.Rows, []any{pl, "ACTIVE", "GROUP REPLICATION", pl + ".so", "GPL"})
			}
		}
		return r, p.endErr()
	case p.acceptSeq("BINARY", "LOG", "STATUS"):
		r := Result{Columns: textColumns("File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB", "Executed_Gtid_Set")}
		r.Rows = [][]any{{"binlog.000001", "157", "", "", m.gtid.String()}}
		return r, p.endErr()
	case p.acceptSeq("REPLICA", "STATUS"):
		return Result{Columns: textColumns("Replica_IO_State", "Source_Host"), Rows: [][]any{}}, p.endErr()
	}
	return Result{}, p.errHere()
}

// endErr is end() as an error interface value (nil stays nil).
func (p *parser) endErr() error {
	if err := p.end(); err != nil {
		return err
	}
	return nil
}

func (m *Member) showVariables(s *Session, p *parser, global bool) (Result, error) {
	pattern := "%"
	var whereName string
	if p.accept("LIKE") {
		v, err := p.text()
		if err != nil {
			return Result{}, err
		}
		pattern = strings.ToLower(v)
	} else if p.accept("WHERE") {
		col, err := p.ident()
		if err != nil || !strings.EqualFold(col, "Variable_name") {
			return Result{}, p.errHere()
		}
		if err := p.expectPunct("="); err != nil {
			return Result{}, err
		}
		if whereName, err = p.text(); err != nil {
			return Result{}, err
		}
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	r := Result{Columns: textColumns("Variable_name", "Value"), Rows: [][]any{}}
	for _, name := range sortedKeys(varCatalog) {
		v := lookupVar(name, m.loaded)
		if v == nil || !likeMatch(pattern, name) || (whereName != "" && !strings.EqualFold(whereName, name)) {
			continue
		}
		val := m.globalValue(name)
		if !global && v.scope&scopeSession != 0 {
			val = s.vars[name]
		} else if !global && v.scope&scopeGlobal == 0 {
			continue
		}
		if global && v.scope&scopeGlobal == 0 {
			continue
		}
		r.Rows = append(r.Rows, []any{name, val})
	}
	return r, nil
}
