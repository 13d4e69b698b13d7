package mysqlsim

import (
	"strings"
)

// parseGrant reads GRANT privs ON level TO users [WITH GRANT OPTION] or REVOKE privs ON level FROM
// users (MySQL 8.4 manual, "GRANT Statement", "Privileges Provided by MySQL").
func parseGrant(s *Session, p *parser, grant bool) (accountOp, *Error) {
	privs, grantOpt, err := parsePrivList(p)
	if err != nil {
		return nil, err
	}
	if !p.accept("ON") {
		return nil, sqlErr(1235, "42000", "This version of MySQL doesn't yet support 'roles in the simulator'")
	}
	p.accept("TABLE")
	level, err := parseLevel(p)
	if err != nil {
		return nil, err
	}
	if grant {
		err = p.expect("TO")
	} else {
		err = p.expect("FROM")
	}
	if err != nil {
		return nil, err
	}
	var users [][2]string
	for {
		u, h, err := p.userName(s)
		if err != nil {
			return nil, err
		}
		users = append(users, [2]string{u, h})
		if !p.acceptPunct(",") {
			break
		}
	}
	if grant && p.acceptSeq("WITH", "GRANT", "OPTION") {
		grantOpt = true
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	warnings, verr := validatePrivs(privs, level)
	if verr != nil {
		return nil, verr
	}
	return func(st *accountStore) (uint16, *Error) {
		for _, uh := range users {
			a := st.find(uh[0], uh[1])
			if a == nil {
				if grant {
					return 0, sqlErr(1410, "42000", "You are not allowed to create a user with GRANT")
				}
				return 0, errNonexistingGrant(uh[0], uh[1])
			}
			if grant {
				applyGrant(a, level, privs, grantOpt)
			} else if e := applyRevoke(a, level, privs, grantOpt); e != nil {
				return 0, e
			}
		}
		return warnings, nil
	}, nil
}

// parsePrivList reads "priv [, priv]..." up to ON. Multi-word privileges are joined with a space.
func parsePrivList(p *parser) ([]string, bool, *Error) {
	var privs []string
	grantOpt := false
	for {
		var words []string
		for p.peek().kind == tIdent && !p.peek().is("ON") && !p.peek().is("TO") && !p.peek().is("FROM") {
			words = append(words, strings.ToUpper(p.next().text))
		}
		if p.acceptPunct("(") { // column list
			for !p.acceptPunct(")") {
				if p.next().kind == tEOF {
					return nil, false, p.errHere()
				}
			}
		}
		if len(words) == 0 {
			return nil, false, p.errHere()
		}
		priv := strings.Join(words, " ")
		switch priv {
		case "ALL", "ALL PRIVILEGES":
			privs = append(privs, "ALL")
		case "GRANT OPTION":
			grantOpt = true
		default:
			privs = append(privs, priv)
		}
		if !p.acceptPunct(",") {
			return privs, grantOpt, nil
		}
	}
}

// parseLevel reads *, *.*, db.*, db.tbl or tbl.
func parseLevel(p *parser) (string, *Error) {
	if p.acceptPunct("*") {
		if p.acceptPunct(".") {
			if err := p.expectPunct("*"); err != nil {
				return "", err
			}
		}
		return "*.*", nil
	}
	db, err := p.ident()
	if err != nil {
		return "", err
	}
	if !p.acceptPunct(".") {
		return db + ".*", nil
	}
	if p.acceptPunct("*") {
		return db + ".*", nil
	}
	tbl, err := p.ident()
	if err != nil {
		return "", err
	}
	return db + "." + tbl, nil
}

func validatePrivs(privs []string, level string) (uint16, *Error) {
	var warnings uint16
	for _, pr := range privs {
		switch {
		case pr == "ALL" || pr == "USAGE":
		case isStaticPriv(pr):
			if level != "*.*" && globalOnly(pr) {
				return 0, sqlErr(1221, "HY000", "Incorrect usage of DB GRANT and GLOBAL PRIVILEGES")
			}
		case strings.Contains(pr, " "):
			return 0, errParse(strings.ToLower(pr), 1)
		case level != "*.*":
			return 0, sqlErr(3619, "HY000", "Illegal privilege level specified for %s", pr)
		case !isDynamicPriv(pr):
			warnings++ // ER_WARN_DA_PRIVILEGE_NOT_REGISTERED: accepted with a warning, as on MySQL
		}
	}
	return warnings, nil
}

func applyGrant(a *account, level string, privs []string, grantOpt bool) {
	set := a.grants[level]
	if set == nil {
		set = map[string]bool{}
		a.grants[level] = set
	}
	for _, pr := range privs {
		switch pr {
		case "USAGE":
		case "ALL":
			for _, sp := range staticPrivs {
				if level == "*.*" || !globalOnly(sp) {
					set[sp] = true
				}
			}
			if level == "*.*" {
				for _, dp := range dynamicPrivs {
					set[dp] = true
				}
			}
		default:
			set[pr] = true
		}
	}
	if grantOpt {
		a.grantOption[level] = true
	}
}

func applyRevoke(a *account, level string, privs []string, grantOpt bool) *Error {
	set := a.grants[level]
	for _, pr := range privs {
		if pr == "ALL" {
			delete(a.grants, level)
			set = nil
			continue
		}
		if !set[pr] {
			return errNonexistingGrant(a.User, a.Host)
		}
		delete(set, pr)
	}
	if grantOpt {
		delete(a.grantOption, level)
	}
	return nil
}
