package mysqlsim

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
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
	// NetworkAddress is the IP address the member's group connections come from (a pod IP): the
	// other members' IP allowlists and the host part of accounts are matched against it.
	// Default: Host when Host is an IP address, else 127.0.0.1.
	NetworkAddress string
	// Subnets are the CIDRs of the member's network interfaces, which the AUTOMATIC IP allowlist
	// admits when they are private. Default: NetworkAddress/32 (/128 for IPv6), a pod's interface on
	// Calico or Cilium; on flannel give the node's pod subnet, e.g. 10.244.1.0/24. The loopback
	// interface (127.0.0.1/8) is always there.
	Subnets []string
	// Initialize says how the data directory is initialised the first time the member boots.
	// Default InitDefault.
	Initialize InitMode
	// SkipTZInfo is MYSQL_INITDB_SKIP_TZINFO: with InitOfficialImage, the entrypoint does not load
	// the time zone tables (which would leave transactions under the member's own server_uuid).
	SkipTZInfo bool
	// TLS is the certificate both protocols serve, what mysqld loads from ssl_cert and ssl_key at boot (a
	// new one takes effect at the next boot, as for mysqld). Default: Frontends.TLSConfig, else a self-signed
	// certificate, as mysqld 8 generates at its first start without ssl_cert.
	TLS *tls.Config
	// PeerCAs is the bundle mysqld loads from group_replication_recovery_ssl_ca: with it, a group connection
	// of the MYSQL communication stack verifies the peer's certificate (TLS, else the self-signed one mysqld
	// generates, which no bundle holds) when group_replication_ssl_mode is VERIFY_CA or VERIFY_IDENTITY (the name
	// dialled, the peer's group_replication_local_address host, too), and distributed recovery verifies its
	// donor's, name included, when group_replication_recovery_ssl_verify_server_cert is ON. Default nil: peers are
	// not verified. A new one takes effect at the next boot.
	PeerCAs *x509.CertPool
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
	relay      relayLog        // the group_replication_applier channel's relay log
	recChannel recoveryChannel // the group_replication_recovery channel's status
	data       dataDirState    // how far the data directory was initialised
	dataVer    string          // the server version that last booted on the data directory

	// runtime state: reset by every boot.
	up          bool
	incarnation int
	loaded      map[string]bool // plugins active in this incarnation
	globals     map[string]string
	grRunning   bool
	state       MemberState
	role        Role
	view        *view
	suspects    map[*Member]bool
	watch       map[*Member]*suspicion // failure detector state per member of the view
	join        *joinState             // the START's join procedure while it runs
	gcsUID      string                 // XCom's id of this member's group incarnation
	readMode    [2]string              // read_only, super_read_only before START (restored if it fails)
	startCreds  *recoveryCreds         // START GROUP_REPLICATION USER=..., PASSWORD=...
	lagging     bool
	// certifying is the member's certifier backlog (SetCertifierBacklog): COUNT_TRANSACTIONS_IN_QUEUE.
	certifying   int64
	slow         time.Duration
	hold         *statementHold // HoldStatements
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
	cfg = withDefaults(cfg)
	if !validUUID(cfg.ServerUUID) {
		return nil, fmt.Errorf("member %s: server uuid %q is not a UUID", cfg.Name, cfg.ServerUUID)
	}
	m := &Member{
		g: g, cfg: cfg, uuid: strings.ToLower(cfg.ServerUUID), persist: map[string]persisted{},
		plugins: map[string]bool{}, subs: map[*Subscription]bool{}, sessions: map[*Session]bool{},
		watch: map[*Member]*suspicion{}, suspects: map[*Member]bool{},
	}
	m.accounts = newAccountStore(cfg.RootPassword)
	if cfg.Initialize == InitOfficialImage {
		return m, nil // the entrypoint checks the options when the member first boots
	}
	if _, err := m.bootVars(); err != nil {
		return nil, fmt.Errorf("member %s: %w", cfg.Name, err)
	}
	m.data, m.dataVer = dataReady, cfg.Version
	return m, nil
}

// withDefaults fills the MemberConfig fields left empty.
func withDefaults(cfg MemberConfig) MemberConfig {
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
	if cfg.NetworkAddress == "" {
		cfg.NetworkAddress = defaultNetworkAddress(cfg.Host)
	}
	if len(cfg.Subnets) == 0 {
		cfg.Subnets = []string{hostCIDR(cfg.NetworkAddress)}
	}
	return cfg
}

// defaultNetworkAddress is where a member's connections come from when MemberConfig does not say:
// its Host when that is an IP address.
func defaultNetworkAddress(host string) string {
	if net.ParseIP(host) == nil {
		return "127.0.0.1"
	}
	return host
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
	loaded := m.bootPlugins()
	globals, err := m.computeVars(loaded, true)
	if err != nil {
		return nil, err
	}
	m.globals = globals
	return loaded, nil
}

// bootPlugins are the plugins an incarnation loads: INSTALL PLUGIN registrations and
// plugin_load_add / plugin_load.
func (m *Member) bootPlugins() map[string]bool {
	loaded := map[string]bool{}
	for p := range m.plugins {
		loaded[p] = true
	}
	opts := m.options()
	for _, key := range []string{"plugin_load_add", "plugin_load"} {
		for _, lib := range strings.FieldsFunc(opts[key], func(r rune) bool { return r == ',' || r == ';' }) {
			if p := pluginForLibrary(strings.TrimSpace(lib)); p != "" {
				loaded[p] = true
			}
		}
	}
	return loaded
}

func (m *Member) options() map[string]string {
	opts := map[string]string{}
	for k, v := range m.cfg.Options {
		opts[normalizeOption(k)] = v
	}
	return opts
}

// computeVars applies the options to the compiled defaults as mysqld does with the given plugins
// loaded: an option that names no variable of the server or of a loaded plugin is an unknown
// variable unless it has the loose_ prefix.
func (m *Member) computeVars(loaded map[string]bool, withPersisted bool) (map[string]string, error) {
	opts := m.options()
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
	if withPersisted {
		for name, p := range m.persist {
			if v := lookupVar(name, loaded); v != nil {
				globals[name] = p.value
			}
		}
	}
	if globals["super_read_only"] == "ON" { // at startup as at runtime, super_read_only implies read_only
		globals["read_only"] = "ON"
	}
	return globals, nil
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

// boot starts a new incarnation. It runs with the group lock held and returns why mysqld did not
// come up (its error log says so too).
func (m *Member) boot() error {
	if err := m.prepareDataDir(); err != nil {
		return err
	}
	loaded, err := m.bootVars()
	if err != nil {
		m.logf("ERROR", "MY-000067", "Server", "%v.", err)
		m.logf("ERROR", "MY-010119", "Server", "Aborting")
		return fmt.Errorf("%w: %w", ErrBootFailed, err)
	}
	if err := m.checkDataVersion(); err != nil {
		return err
	}
	m.loaded = loaded
	m.up = true
	m.incarnation++
	m.bootedAt = m.g.clock.Now()
	m.grRunning, m.state, m.role, m.view = false, StateOffline, RoleNone, nil
	m.resetWatches()
	m.lagging, m.certifying, m.rejoin, m.startCreds, m.join = false, 0, nil, nil, nil
	m.logf("System", "MY-010931", "Server", "/usr/sbin/mysqld: ready for connections. Version: '%s'  "+
		"socket: '/var/run/mysqld/mysqld.sock'  port: %d  MySQL Community Server - GPL.", m.cfg.Version, m.cfg.Port)
	if m.loaded[pluginGR] && m.boolVar("group_replication_start_on_boot") {
		if err := m.g.startGR(m, nil, true); err != nil {
			m.logf("ERROR", "MY-011190", "Repl", "Plugin group_replication reported: 'Unable to start Group "+
				"Replication on boot'")
		}
	}
	m.g.changed()
	return nil
}

// shutdown ends the incarnation: sessions die, timers stop, the group stops seeing the member.
func (m *Member) shutdown() {
	m.interruptClone()
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
	m.view, m.join, m.rejoin = nil, nil, nil
	m.resetWatches()
	m.g.changed()
}

func (m *Member) logf(prio, code, subsystem, format string, args ...any) {
	m.errorLog = append(m.errorLog, LogEntry{Time: m.g.clock.Now(), Prio: prio, ErrorCode: code,
		Subsystem: subsystem, Data: fmt.Sprintf(format, args...)})
	m.g.changed() // the error log is state WaitFor callers read
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

// after runs f after the given simulated seconds if the member's incarnation is still running, and
// returns a function that cancels it.
func (m *Member) after(seconds float64, f func()) func() bool {
	inc := m.incarnation
	stop := m.g.after(seconds, func() {
		if m.up && m.incarnation == inc {
			f()
		}
	})
	m.timers = append(m.timers, stop)
	return stop
}
