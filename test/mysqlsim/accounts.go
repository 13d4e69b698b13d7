package mysqlsim

import (
	"sort"
	"strings"
)

// Authentication plugins.
const (
	pluginCachingSHA2 = "caching_sha2_password"
	pluginNative      = "mysql_native_password"
	pluginSHA256      = "sha256_password"
)

// staticPrivs are MySQL 8.4's static privileges in the order SHOW GRANTS prints them.
var staticPrivs = []string{
	"SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "RELOAD", "SHUTDOWN", "PROCESS", "FILE",
	"REFERENCES", "INDEX", "ALTER", "SHOW DATABASES", "SUPER", "CREATE TEMPORARY TABLES", "LOCK TABLES",
	"EXECUTE", "REPLICATION SLAVE", "REPLICATION CLIENT", "CREATE VIEW", "SHOW VIEW", "CREATE ROUTINE",
	"ALTER ROUTINE", "CREATE USER", "EVENT", "TRIGGER", "CREATE TABLESPACE", "CREATE ROLE", "DROP ROLE",
}

// dynamicPrivs are the dynamic privileges a MySQL 8.4 server with the Group Replication and clone
// plugins registers, in SHOW GRANTS order.
var dynamicPrivs = []string{
	"ALLOW_NONEXISTENT_DEFINER", "APPLICATION_PASSWORD_ADMIN", "AUDIT_ABORT_EXEMPT", "AUDIT_ADMIN",
	"AUTHENTICATION_POLICY_ADMIN", "BACKUP_ADMIN", "BINLOG_ADMIN", "BINLOG_ENCRYPTION_ADMIN", "CLONE_ADMIN",
	"CONNECTION_ADMIN", "ENCRYPTION_KEY_ADMIN", "FIREWALL_EXEMPT", "FLUSH_OPTIMIZER_COSTS", "FLUSH_PRIVILEGES",
	"FLUSH_STATUS", "FLUSH_TABLES", "FLUSH_USER_RESOURCES", "GROUP_REPLICATION_ADMIN", "GROUP_REPLICATION_STREAM",
	"INNODB_REDO_LOG_ARCHIVE", "INNODB_REDO_LOG_ENABLE", "OPTIMIZE_LOCAL_TABLE", "PASSWORDLESS_USER_ADMIN",
	"PERSIST_RO_VARIABLES_ADMIN", "REPLICATION_APPLIER", "REPLICATION_SLAVE_ADMIN", "RESOURCE_GROUP_ADMIN",
	"RESOURCE_GROUP_USER", "ROLE_ADMIN", "SENSITIVE_VARIABLES_OBSERVER", "SERVICE_CONNECTION_ADMIN",
	"SESSION_VARIABLES_ADMIN", "SET_ANY_DEFINER", "SHOW_ROUTINE", "SYSTEM_USER", "SYSTEM_VARIABLES_ADMIN",
	"TABLE_ENCRYPTION_ADMIN", "TELEMETRY_LOG_ADMIN", "TRANSACTION_GTID_TAG", "XA_RECOVER_ADMIN",
}

func isStaticPriv(p string) bool {
	for _, s := range staticPrivs {
		if s == p {
			return true
		}
	}
	return false
}

func isDynamicPriv(p string) bool {
	for _, s := range dynamicPrivs {
		if s == p {
			return true
		}
	}
	return false
}

// account is one row of mysql.user plus its grants.
type account struct {
	User, Host string
	Password   string // kept in clear: front-ends derive every scramble from it
	Plugin     string
	Locked     bool
	// grants maps a privilege level ("*.*", "db.*", "db.tbl") to privilege names.
	grants      map[string]map[string]bool
	grantOption map[string]bool
}

func (a *account) hasGlobal(priv string) bool { return a.grants["*.*"][priv] }

func (a *account) clone() *account {
	c := *a
	c.grants = map[string]map[string]bool{}
	for lvl, ps := range a.grants {
		c.grants[lvl] = map[string]bool{}
		for p := range ps {
			c.grants[lvl][p] = true
		}
	}
	c.grantOption = map[string]bool{}
	for k, v := range a.grantOption {
		c.grantOption[k] = v
	}
	return &c
}

// accountStore is the member's mysql.user / mysql.db / mysql.global_grants.
type accountStore struct{ list []*account }

func newAccountStore(rootPassword string) *accountStore {
	st := &accountStore{}
	for _, host := range []string{"%", "localhost"} {
		root := st.add("root", host, rootPassword, pluginCachingSHA2)
		root.grants["*.*"] = allPrivs()
		root.grantOption["*.*"] = true
	}
	for _, sys := range []string{"mysql.infoschema", "mysql.session", "mysql.sys"} {
		a := st.add(sys, "localhost", "", pluginCachingSHA2)
		a.Locked = true
	}
	return st
}

func allPrivs() map[string]bool {
	out := map[string]bool{}
	for _, p := range staticPrivs {
		out[p] = true
	}
	for _, p := range dynamicPrivs {
		out[p] = true
	}
	return out
}

func (st *accountStore) add(user, host, password, plugin string) *account {
	a := &account{User: user, Host: host, Password: password, Plugin: plugin,
		grants: map[string]map[string]bool{}, grantOption: map[string]bool{}}
	st.list = append(st.list, a)
	return a
}

func (st *accountStore) clone() *accountStore {
	out := &accountStore{}
	for _, a := range st.list {
		out.list = append(out.list, a.clone())
	}
	return out
}

// find returns the account with exactly that user and host part.
func (st *accountStore) find(user, host string) *account {
	for _, a := range st.list {
		if a.User == user && strings.EqualFold(a.Host, host) {
			return a
		}
	}
	return nil
}

func (st *accountStore) remove(a *account) {
	for i, x := range st.list {
		if x == a {
			st.list = append(st.list[:i], st.list[i+1:]...)
			return
		}
	}
}

// match returns the account a client user@clientHost authenticates as: MySQL sorts accounts by
// host specificity (literal hosts before patterns, '%' last) and takes the first that matches.
func (st *accountStore) match(user, clientHost string) *account {
	var cands []*account
	for _, a := range st.list {
		if a.User == user && hostMatches(a.Host, clientHost) {
			cands = append(cands, a)
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		return hostSpecificity(cands[i].Host) > hostSpecificity(cands[j].Host)
	})
	if len(cands) == 0 {
		return nil
	}
	return cands[0]
}

func hostSpecificity(h string) int {
	if h == "%" {
		return 0
	}
	if strings.ContainsAny(h, "%_") {
		return 1 + len(strings.Trim(h, "%_"))
	}
	return 1000
}

func hostMatches(pattern, host string) bool {
	if pattern == "localhost" {
		return host == "localhost"
	}
	return likeMatch(strings.ToLower(pattern), strings.ToLower(host))
}

// likeMatch implements SQL LIKE with % and _ and the escape character \\ (manual 14.8.1).
func likeMatch(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '%':
		for i := 0; i <= len(s); i++ {
			if likeMatch(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '_':
		return s != "" && likeMatch(p[1:], s[1:])
	case '\\': // the default escape character: the next byte is matched as itself
		if len(p) > 1 {
			return s != "" && p[1] == s[0] && likeMatch(p[2:], s[1:])
		}
	}
	return s != "" && p[0] == s[0] && likeMatch(p[1:], s[1:])
}

// showGrants renders SHOW GRANTS FOR the account the way MySQL 8.4 prints it.
func (a *account) showGrants() []string {
	who := "`" + a.User + "`@`" + a.Host + "`"
	levels := sortedKeys(a.grants)
	var out []string
	global := a.grants["*.*"]
	out = append(out, grantLine(staticList(global, true), "*.*", who, a.grantOption["*.*"]))
	if dyn := dynamicList(global); len(dyn) > 0 {
		out = append(out, "GRANT "+strings.Join(dyn, ",")+" ON *.* TO "+who+withGrant(a.grantOption["*.*"]))
	}
	for _, lvl := range levels {
		if lvl == "*.*" || len(a.grants[lvl]) == 0 {
			continue
		}
		out = append(out, grantLine(staticList(a.grants[lvl], false), quoteLevel(lvl), who, a.grantOption[lvl]))
	}
	return out
}

func grantLine(privs []string, level, who string, grantOpt bool) string {
	p := "USAGE"
	if len(privs) > 0 {
		p = strings.Join(privs, ", ")
	}
	return "GRANT " + p + " ON " + level + " TO " + who + withGrant(grantOpt)
}

func withGrant(on bool) string {
	if on {
		return " WITH GRANT OPTION"
	}
	return ""
}

func staticList(privs map[string]bool, global bool) []string {
	all := true
	var out []string
	for _, p := range staticPrivs {
		if privs[p] {
			out = append(out, p)
		} else if global || !globalOnly(p) {
			all = false
		}
	}
	if all && len(out) > 0 {
		return []string{"ALL PRIVILEGES"}
	}
	return out
}

func globalOnly(p string) bool {
	switch p {
	case "RELOAD", "SHUTDOWN", "PROCESS", "FILE", "SHOW DATABASES", "SUPER", "REPLICATION SLAVE",
		"REPLICATION CLIENT", "CREATE USER", "CREATE TABLESPACE", "CREATE ROLE", "DROP ROLE":
		return true
	}
	return false
}

func dynamicList(privs map[string]bool) []string {
	var out []string
	for _, p := range sortedKeys(privs) {
		if !isStaticPriv(p) {
			out = append(out, p)
		}
	}
	return out
}

func quoteLevel(lvl string) string {
	db, tbl, _ := strings.Cut(lvl, ".")
	if tbl != "*" {
		tbl = "`" + tbl + "`"
	}
	return "`" + db + "`." + tbl
}

// AccountInfo is what a front-end needs to authenticate a login.
type AccountInfo struct {
	// User and Host are the matched account ('repl'@'%').
	User, Host string
	// Password is the clear text password; front-ends derive mysql_native_password,
	// caching_sha2_password and X Protocol MYSQL41/SHA256_MEMORY scrambles from it.
	Password string
	// Plugin is the account's authentication plugin.
	Plugin string
	// Locked accounts cannot log in (ER 3118).
	Locked bool
}

// LookupAccount finds the account a client user connecting from clientHost authenticates as.
func (m *Member) LookupAccount(user, clientHost string) (AccountInfo, bool) {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	a := m.accounts.match(user, clientHost)
	if a == nil {
		return AccountInfo{}, false
	}
	return AccountInfo{User: a.User, Host: a.Host, Password: a.Password, Plugin: a.Plugin, Locked: a.Locked}, true
}
