package mysqlsim

import (
	"crypto/rand"
	"fmt"
	"sort"
	"strings"
	"time"
)

// MemberState is a Group Replication member state as performance_schema shows it.
type MemberState string

// Member states (MySQL 8.4 manual, "The replication_group_members Table").
const (
	StateOffline     MemberState = "OFFLINE"
	StateRecovering  MemberState = "RECOVERING"
	StateOnline      MemberState = "ONLINE"
	StateError       MemberState = "ERROR"
	StateUnreachable MemberState = "UNREACHABLE"
)

// Role is a member's role in the group ("" while not in a group).
type Role string

// Roles in single-primary and multi-primary mode.
const (
	RolePrimary   Role = "PRIMARY"
	RoleSecondary Role = "SECONDARY"
	RoleNone      Role = ""
)

// MemberConfig describes one simulated server, like its my.cnf and data folder would.
type MemberConfig struct {
	// Name identifies the member in the Go and HTTP APIs (for example "mysql-0").
	Name string
	// Host is @@hostname and @@report_host (MEMBER_HOST); default "127.0.0.1".
	Host string
	// Port is @@port (MEMBER_PORT); default 3306.
	Port int
	// XPort is @@mysqlx_port; default 33060.
	XPort int
	// ServerUUID is @@server_uuid (auto.cnf); generated when empty.
	ServerUUID string
	// Version is @@version; default "8.4.6".
	Version string
	// Options are my.cnf [mysqld] options applied at every boot, names with '-' or '_', values as
	// in the file. An unknown option makes the boot fail, as mysqld does; prefix it with "loose_" to
	// only warn. plugin_load_add accepts group_replication.so and mysql_clone.so.
	Options map[string]string
	// RootPassword is the password of 'root'@'%' and 'root'@'localhost' created at initialisation.
	RootPassword string
	// Unsupervised makes RESTART fail with ER 3707 and a clone end with the server down, as when no
	// supervisor (mysqld_safe, systemd, a container restart policy) watches mysqld.
	Unsupervised bool
}

// persisted is one mysqld-auto.cnf entry.
type persisted struct {
	value  string
	onlyRO bool // set by PERSIST_ONLY (applied at the next boot only)
}

// Member is one simulated MySQL 8.4 server. All its fields are guarded by the group's mutex.
type Member struct {
	g   *Group
	cfg MemberConfig

	// durable state: survives crashes and restarts (data folder).
	uuid       string
	gtid       GTIDSet // gtid_executed
	purged     GTIDSet // gtid_purged
	persist    map[string]persisted
	accounts   *accountStore
	plugins    map[string]bool // INSTALL PLUGIN registrations (mysql.plugin table)
	recovery   recoveryCreds   // CHANGE REPLICATION SOURCE ... FOR CHANNEL 'group_replication_recovery'
	errorLog   []LogEntry
	cloneState cloneStatus

	// runtime state: reset by every boot.
	up           bool
	incarnation  int
	loaded       map[string]bool // plugins active in this incarnation
	globals      map[string]string
	grRunning    bool
	state        MemberState
	role         Role
	view         *view
	suspects     map[*Member]bool
	startCreds   *recoveryCreds // START GROUP_REPLICATION USER=..., PASSWORD=...
	queue        GTIDSet        // received but not applied (lag, recovery)
	lagging      bool
	slow         time.Duration
	rejoin       *rejoinState
	recoveryTry  int
	timers       []func() bool
	subs         map[*Subscription]bool
	sessions     map[*Session]bool
	viewAtLeave  string
	bootedAt     time.Time
	transactions int64
}

// LogEntry is one line of the member's error log (performance_schema.error_log).
type LogEntry struct {
	Time      time.Time
	Prio      string // System, Error, Warning, Note
	ErrorCode string // MY-011526
	Subsystem string // Repl, Server, InnoDB
	Data      string
}

// String formats the entry as mysqld writes it to its error log file.
func (l LogEntry) String() string {
	return fmt.Sprintf("%s 0 [%s] [%s] [%s] %s", l.Time.UTC().Format("2006-01-02T15:04:05.000000Z"),
		l.Prio, l.ErrorCode, l.Subsystem, l.Data)
}

func newMember(g *Group, cfg MemberConfig) (*Member, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	if cfg.Port == 0 {
		cfg.Port = 3306
	}
	if cfg.XPort == 0 {
		cfg.XPort = 33060
	}
	if cfg.Version == "" {
		cfg.Version = "8.4.6"
	}
	if cfg.ServerUUID == "" {
		cfg.ServerUUID = newUUID()
	}
	if !validUUID(cfg.ServerUUID) {
		return nil, fmt.Errorf("member %s: server uuid %q is not a UUID", cfg.Name, cfg.ServerUUID)
	}
	m := &Member{
		g: g, cfg: cfg, uuid: strings.ToLower(cfg.ServerUUID), persist: map[string]persisted{},
		plugins: map[string]bool{}, subs: map[*Subscription]bool{}, sessions: map[*Session]bool{},
	}
	m.accounts = newAccountStore(cfg.RootPassword)
	if _, err := m.bootVars(); err != nil {
		return nil, fmt.Errorf("member %s: %w", cfg.Name, err)
	}
	return m, nil
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// bootVars computes the global variables of a fresh incarnation: compiled defaults, then my.cnf
// options, then mysqld-auto.cnf (persisted values win, as in MySQL). It also decides the plugins.
func (m *Member) bootVars() (map[string]bool, error) {
	loaded := map[string]bool{}
	for p := range m.plugins {
		loaded[p] = true
	}
	opts := map[string]string{}
	for k, v := range m.cfg.Options {
		opts[normalizeOption(k)] = v
	}
	for _, key := range []string{"plugin_load_add", "plugin_load"} {
		for _, lib := range strings.FieldsFunc(opts[key], func(r rune) bool { return r == ',' || r == ';' }) {
			if p := pluginForLibrary(strings.TrimSpace(lib)); p != "" {
				loaded[p] = true
			}
		}
	}
	globals := map[string]string{}
	for name, v := range varCatalog {
		globals[name] = v.def
	}
	m.fixedVars(globals)
	for _, k := range sortedKeys(opts) {
		name, loose := strings.CutPrefix(k, "loose_")
		if v := lookupVar(name, loaded); v != nil {
			val, err := normalizeValue(v, opts[k])
			if err != nil {
				return nil, fmt.Errorf("option %s: %w", k, err)
			}
			globals[name] = val
		} else if _, ok := startupOnlyOptions[name]; !ok && !loose {
			return nil, fmt.Errorf("unknown variable '%s=%s'", k, opts[k])
		}
	}
	for name, p := range m.persist {
		if v := lookupVar(name, loaded); v != nil {
			globals[name] = p.value
		}
	}
	m.globals = globals
	return loaded, nil
}

func (m *Member) fixedVars(globals map[string]string) {
	globals["server_uuid"] = m.uuid
	globals["version"] = m.cfg.Version
	globals["hostname"] = m.cfg.Host
	globals["report_host"] = m.cfg.Host
	globals["port"] = fmt.Sprint(m.cfg.Port)
	globals["report_port"] = fmt.Sprint(m.cfg.Port)
	globals["mysqlx_port"] = fmt.Sprint(m.cfg.XPort)
}

func normalizeOption(k string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(k), "-", "_"))
}

func pluginForLibrary(lib string) string {
	switch strings.Trim(lib, "'\" ") {
	case "group_replication.so":
		return pluginGR
	case "mysql_clone.so":
		return pluginClone
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// boot starts a new incarnation. It runs with the group lock held.
func (m *Member) boot() {
	loaded, err := m.bootVars()
	if err != nil {
		m.logf("ERROR", "MY-000067", "Server", "%v.", err)
		m.logf("ERROR", "MY-010119", "Server", "Aborting")
		return
	}
	m.loaded = loaded
	m.up = true
	m.incarnation++
	m.bootedAt = m.g.clock.Now()
	m.grRunning, m.state, m.role, m.view = false, StateOffline, RoleNone, nil
	m.suspects = map[*Member]bool{}
	m.queue, m.lagging, m.rejoin, m.startCreds = GTIDSet{}, false, nil, nil
	m.logf("System", "MY-010931", "Server", "/usr/sbin/mysqld: ready for connections. Version: '%s'  "+
		"socket: '/var/run/mysqld/mysqld.sock'  port: %d  MySQL Community Server - GPL.", m.cfg.Version, m.cfg.Port)
	if m.loaded[pluginGR] && m.boolVar("group_replication_start_on_boot") {
		if err := m.g.startGR(m, nil, true); err != nil {
			m.logf("ERROR", "MY-011190", "Repl", "Plugin group_replication reported: 'Unable to start Group "+
				"Replication on boot'")
		}
	}
	m.g.changed()
}

// shutdown ends the incarnation: sessions die, timers stop, the group stops seeing the member.
func (m *Member) shutdown() {
	for _, stop := range m.timers {
		stop()
	}
	m.timers = nil
	for s := range m.sessions {
		s.dead = true
		if s.conn != nil {
			go closeConn(s.conn)
			s.conn = nil
		}
	}
	m.sessions = map[*Session]bool{}
	for sub := range m.subs {
		sub.close()
	}
	m.subs = map[*Subscription]bool{}
	m.up, m.grRunning, m.state, m.role = false, false, StateOffline, RoleNone
	m.view = nil
	m.g.changed()
}

func (m *Member) logf(prio, code, subsystem, format string, args ...any) {
	m.errorLog = append(m.errorLog, LogEntry{Time: m.g.clock.Now(), Prio: prio, ErrorCode: code,
		Subsystem: subsystem, Data: fmt.Sprintf(format, args...)})
}

func (m *Member) grLog(prio, code, format string, args ...any) {
	m.logf(prio, code, "Repl", "Plugin group_replication reported: '"+format+"'", args...)
}

func (m *Member) boolVar(name string) bool { return m.globals[name] == "ON" }

func (m *Member) intVar(name string) int64 {
	var n int64
	_, _ = fmt.Sscan(m.globals[name], &n)
	return n
}

// address is the member's XCom address, group_replication_local_address.
func (m *Member) address() string { return m.globals["group_replication_local_address"] }

func (m *Member) groupName() string {
	return strings.ToLower(m.globals["group_replication_group_name"])
}

// setReadOnly sets super_read_only (and read_only with it), as Group Replication does.
func (m *Member) setReadOnly(on bool) {
	if on {
		m.globals["super_read_only"], m.globals["read_only"] = "ON", "ON"
	} else {
		m.globals["super_read_only"], m.globals["read_only"] = "OFF", "OFF"
	}
}

func (m *Member) after(seconds float64, f func()) {
	inc := m.incarnation
	stop := m.g.after(seconds, func() {
		if m.up && m.incarnation == inc {
			f()
		}
	})
	m.timers = append(m.timers, stop)
}
