package mysqlsim

import "fmt"

// InitMode says how a member's data directory is initialised on its first boot.
type InitMode int

const (
	// InitDefault initialises the data directory as `mysqld --initialize` with the member's plugins
	// loaded: AddMember checks the options as any boot does and no transaction is logged.
	InitDefault InitMode = iota
	// InitOfficialImage follows docker-library/mysql 8.4's docker-entrypoint.sh on a pod's first
	// start: `mysqld --verbose --help` checks the options with the plugins of plugin_load_add
	// loaded, then `mysqld --initialize-insecure` runs WITHOUT them, so an option naming a
	// group_replication_* or clone_* variable without the loose_ prefix aborts it and leaves a
	// half-initialised data directory that every later start refuses. When it succeeds, a
	// temporary server loads the time zone tables (unless SkipTZInfo) through the client without
	// SQL_LOG_BIN=0, which logs 5 transactions under the server's own uuid when gtid_mode=ON, and
	// creates the root accounts with SQL_LOG_BIN=0.
	InitOfficialImage
)

// dataDirState is how far the data directory was initialised.
type dataDirState int

const (
	dataEmpty dataDirState = iota // never initialised, or the entrypoint stopped before --initialize
	dataHalf                      // mysqld --initialize aborted after it had written files
	dataReady
)

// initialize runs the official image's entrypoint on an uninitialised data directory.
func (m *Member) initialize() error {
	if m.data == dataHalf {
		m.logf("ERROR", "MY-010457", "Server", "--initialize specified but the data directory has files in it. "+
			"Aborting.")
		m.logf("ERROR", "MY-013236", "Server", "The designated data directory /var/lib/mysql/ is unusable. You can "+
			"remove all files that the server added to it.")
		m.logf("ERROR", "MY-010119", "Server", "Aborting")
		return fmt.Errorf("%w: the data directory is half initialised", ErrInitFailed)
	}
	// mysql_check_config: mysqld --verbose --help loads the plugins of plugin_load_add.
	if _, err := m.computeVars(m.bootPlugins(), false); err != nil {
		return m.initAborted(err, false)
	}
	m.logf("System", "MY-013169", "Server", "/usr/sbin/mysqld (mysqld %s) initializing of server in progress as "+
		"process 80", m.cfg.Version)
	// docker_init_database_dir: --initialize-insecure does not load plugin_load_add.
	if _, err := m.computeVars(map[string]bool{}, false); err != nil {
		return m.initAborted(err, true)
	}
	m.logf("Warning", "MY-010453", "Server", "root@localhost is created with an empty password ! Please consider "+
		"switching off the --initialize-insecure option.")
	m.logf("System", "MY-013170", "Server", "/usr/sbin/mysqld (mysqld %s) initializing of server has completed",
		m.cfg.Version)
	m.data, m.dataVer = dataReady, m.cfg.Version
	m.setupDB()
	return nil
}

func (m *Member) initAborted(err error, half bool) error {
	m.logf("ERROR", "MY-000067", "Server", "%v.", err)
	m.logf("ERROR", "MY-010119", "Server", "Aborting")
	if half {
		m.data = dataHalf
	}
	return fmt.Errorf("%w: %w", ErrInitFailed, err)
}

// setupDB is docker_setup_db on the temporary server (started with the same options and plugins):
// mysql_tzinfo_to_sql prints 4 TRUNCATE TABLE (DDL, one GTID each) and one START TRANSACTION ...
// COMMIT, and the entrypoint pipes them to the client without SQL_LOG_BIN=0. With gtid_mode OFF
// they are anonymous. The root accounts are created with SQL_LOG_BIN=0: no GTIDs.
func (m *Member) setupDB() {
	globals, err := m.computeVars(m.bootPlugins(), false)
	if err != nil || m.cfg.SkipTZInfo || globals["gtid_mode"] != "ON" {
		return
	}
	for i := 0; i < 5; i++ {
		m.gtid = m.gtid.Add(m.uuid, m.gtid.NextFree(m.uuid))
	}
}
