package mysqlsim

import (
	"math"
	"strings"
)

// varKind is the type of a system variable; it decides how SET parses a value and how SELECT
// returns it (booleans come back as 0/1 integers, enums as strings).
type varKind int

const (
	kBool varKind = iota
	kInt
	kUint
	kEnum
	kString
)

// varScope says where a variable lives.
type varScope int

const (
	scopeGlobal  varScope = 1 << iota // @@global.x
	scopeSession                      // @@session.x
	scopeBoth    = scopeGlobal | scopeSession
)

// sysVar describes one MySQL 8.4 system variable (MySQL 8.4 manual: "Server System Variables",
// "Group Replication System Variables", "Clone System Variables").
type sysVar struct {
	name  string
	kind  varKind
	scope varScope
	// readOnly variables cannot be SET at runtime (ER 1238 "is a read only variable").
	readOnly bool
	// noPersist marks read-only variables that SET PERSIST_ONLY rejects ("non persistent").
	noPersist bool
	def       string
	min, max  int64
	enum      []string
	// plugin names the plugin that owns the variable; it exists only while the plugin is loaded.
	plugin string
	// nullable variables read as NULL while empty.
	nullable bool
}

const (
	pluginGR    = "group_replication"
	pluginClone = "clone"
)

func b(name, def string, scope varScope) sysVar {
	return sysVar{name: name, kind: kBool, scope: scope, def: def}
}

func u(name string, def string, minV, maxV int64, scope varScope) sysVar {
	return sysVar{name: name, kind: kUint, scope: scope, def: def, min: minV, max: maxV}
}

func e(name, def string, scope varScope, values ...string) sysVar {
	return sysVar{name: name, kind: kEnum, scope: scope, def: def, enum: values}
}

func s(name, def string, scope varScope) sysVar {
	return sysVar{name: name, kind: kString, scope: scope, def: def}
}

func ro(v sysVar) sysVar { v.readOnly = true; return v }

func roNoPersist(v sysVar) sysVar { v.readOnly = true; v.noPersist = true; return v }

func nullable(v sysVar) sysVar { v.nullable = true; return v }

func plugin(p string, vs ...sysVar) []sysVar {
	for i := range vs {
		vs[i].plugin = p
	}
	return vs
}

const maxU32 = math.MaxUint32

// serverVars are the server's own variables that Orca, MySQL Router, connectors and the manual's
// Group Replication procedures touch. Values computed at read time (gtid_executed, ...) have
// placeholders here.
var serverVars = []sysVar{
	u("server_id", "1", 0, maxU32, scopeGlobal),
	roNoPersist(s("server_uuid", "", scopeGlobal)),
	roNoPersist(s("version", "", scopeGlobal)),
	roNoPersist(s("version_comment", "MySQL Community Server - GPL", scopeGlobal)),
	roNoPersist(s("version_compile_os", "Linux", scopeGlobal)),
	roNoPersist(s("version_compile_machine", "x86_64", scopeGlobal)),
	roNoPersist(s("hostname", "", scopeGlobal)),
	roNoPersist(s("license", "GPL", scopeGlobal)),
	ro(u("port", "3306", 0, 65535, scopeGlobal)),
	ro(nullable(s("report_host", "", scopeGlobal))),
	ro(u("report_port", "3306", 0, 65535, scopeGlobal)),
	ro(u("mysqlx_port", "33060", 1, 65535, scopeGlobal)),
	ro(u("admin_port", "33062", 0, 65535, scopeGlobal)),
	ro(s("admin_address", "", scopeGlobal)),
	ro(s("bind_address", "*", scopeGlobal)),
	ro(s("mysqlx_bind_address", "*", scopeGlobal)),
	ro(s("datadir", "/var/lib/mysql/", scopeGlobal)),
	ro(s("socket", "/var/run/mysqld/mysqld.sock", scopeGlobal)),
	ro(b("skip_name_resolve", "OFF", scopeGlobal)),
	ro(u("lower_case_table_names", "0", 0, 2, scopeGlobal)),
	roNoPersist(s("system_time_zone", "UTC", scopeGlobal)),
	e("gtid_mode", "OFF", scopeGlobal, "OFF", "OFF_PERMISSIVE", "ON_PERMISSIVE", "ON"),
	e("enforce_gtid_consistency", "OFF", scopeGlobal, "OFF", "ON", "WARN"),
	roNoPersist(s("gtid_executed", "", scopeGlobal)),
	s("gtid_purged", "", scopeGlobal),
	s("gtid_next", "AUTOMATIC", scopeSession),
	roNoPersist(s("gtid_owned", "", scopeBoth)),
	b("super_read_only", "OFF", scopeGlobal),
	b("read_only", "OFF", scopeGlobal),
	b("offline_mode", "OFF", scopeGlobal),
	ro(b("log_bin", "ON", scopeGlobal)),
	ro(s("log_bin_basename", "/var/lib/mysql/binlog", scopeGlobal)),
	ro(b("log_replica_updates", "ON", scopeGlobal)),
	e("binlog_format", "ROW", scopeBoth, "MIXED", "STATEMENT", "ROW"),
	e("binlog_checksum", "CRC32", scopeGlobal, "NONE", "CRC32"),
	u("binlog_expire_logs_seconds", "2592000", 0, math.MaxUint32, scopeGlobal),
	ro(s("disabled_storage_engines", "", scopeGlobal)),
	ro(b("skip_replica_start", "OFF", scopeGlobal)),
	u("replica_parallel_workers", "4", 0, 1024, scopeGlobal),
	b("replica_preserve_commit_order", "ON", scopeGlobal),
	b("sql_log_bin", "ON", scopeSession),
	b("autocommit", "ON", scopeBoth),
	e("transaction_isolation", "REPEATABLE-READ", scopeBoth,
		"READ-UNCOMMITTED", "READ-COMMITTED", "REPEATABLE-READ", "SERIALIZABLE"),
	b("transaction_read_only", "OFF", scopeBoth),
	s("sql_mode", "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"+
		"ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION", scopeBoth),
	u("max_connections", "151", 1, 100000, scopeGlobal),
	u("max_allowed_packet", "67108864", 1024, 1073741824, scopeBoth),
	u("wait_timeout", "28800", 1, 31536000, scopeBoth),
	u("interactive_timeout", "28800", 1, 31536000, scopeBoth),
	u("net_read_timeout", "30", 1, 31536000, scopeBoth),
	u("net_write_timeout", "60", 1, 31536000, scopeBoth),
	u("lock_wait_timeout", "31536000", 1, 31536000, scopeBoth),
	u("innodb_lock_wait_timeout", "50", 1, 1073741824, scopeBoth),
	u("auto_increment_increment", "1", 1, 65535, scopeBoth),
	u("auto_increment_offset", "1", 1, 65535, scopeBoth),
	s("character_set_client", "utf8mb4", scopeBoth),
	s("character_set_connection", "utf8mb4", scopeBoth),
	s("character_set_results", "utf8mb4", scopeBoth),
	s("character_set_server", "utf8mb4", scopeBoth),
	s("collation_connection", "utf8mb4_0900_ai_ci", scopeBoth),
	s("collation_server", "utf8mb4_0900_ai_ci", scopeBoth),
	s("time_zone", "SYSTEM", scopeBoth),
	b("foreign_key_checks", "ON", scopeBoth),
	b("unique_checks", "ON", scopeBoth),
	b("sql_require_primary_key", "OFF", scopeBoth),
	s("default_storage_engine", "InnoDB", scopeBoth),
	u("innodb_buffer_pool_size", "134217728", 5242880, math.MaxInt64, scopeGlobal),
	u("innodb_flush_log_at_trx_commit", "1", 0, 2, scopeGlobal),
	u("sync_binlog", "1", 0, maxU32, scopeGlobal),
	s("authentication_policy", "*,,", scopeGlobal),
	b("require_secure_transport", "OFF", scopeGlobal),
	u("default_password_lifetime", "0", 0, 65535, scopeGlobal),
	u("log_error_verbosity", "2", 1, 3, scopeGlobal),
	ro(s("log_error", "./mysqld.err", scopeGlobal)),
	ro(b("persisted_globals_load", "ON", scopeGlobal)),
	ro(b("performance_schema", "ON", scopeGlobal)),
	e("event_scheduler", "ON", scopeGlobal, "ON", "OFF", "DISABLED"),
	e("session_track_gtids", "OFF", scopeBoth, "OFF", "OWN_GTID", "ALL_GTIDS"),
	b("session_track_state_change", "OFF", scopeBoth),
	u("mysqlx_wait_timeout", "28800", 1, 2147483, scopeBoth),
	u("mysqlx_read_timeout", "30", 1, 2147483, scopeBoth),
	u("mysqlx_write_timeout", "60", 1, 2147483, scopeBoth),
	u("mysqlx_max_connections", "100", 1, 65535, scopeGlobal),
	u("max_execution_time", "0", 0, maxU32, scopeBoth),
	u("group_concat_max_len", "1024", 4, math.MaxInt64, scopeBoth),
	u("sql_select_limit", "18446744073709551615", 0, math.MaxInt64, scopeSession),
	u("pseudo_thread_id", "0", 0, maxU32, scopeSession),
	u("last_insert_id", "0", 0, math.MaxInt64, scopeSession),
	u("identity", "0", 0, math.MaxInt64, scopeSession),
	b("sql_safe_updates", "OFF", scopeBoth),
	b("sql_notes", "ON", scopeBoth),
	b("sql_warnings", "OFF", scopeBoth),
	b("sql_auto_is_null", "OFF", scopeBoth),
	b("sql_big_selects", "ON", scopeBoth),
	b("sql_quote_show_create", "ON", scopeBoth),
	u("tmp_table_size", "16777216", 1024, math.MaxInt64, scopeBoth),
	s("init_connect", "", scopeGlobal),
	s("tls_version", "TLSv1.2,TLSv1.3", scopeGlobal),
	// The TLS files of the main connection interface, which X Plugin shares while no mysqlx_ssl_* is set
	// (manual 22.5.3). The simulator serves MemberConfig.TLS, what mysqld would load from them.
	nullable(s("ssl_ca", "", scopeGlobal)),
	nullable(s("ssl_capath", "", scopeGlobal)),
	s("ssl_cert", "server-cert.pem", scopeGlobal),
	s("ssl_key", "server-key.pem", scopeGlobal),
	ro(b("have_ssl", "ON", scopeGlobal)),
}

// grVars exist while the group_replication plugin is loaded (MySQL 8.4 manual, "Group
// Replication System Variables"). Variables removed before 8.4 are absent on purpose, so SQL
// that still uses them fails with ER 1193 as on a real 8.4 server.
var grVars = plugin(pluginGR,
	nullable(s("group_replication_group_name", "", scopeGlobal)),
	b("group_replication_start_on_boot", "ON", scopeGlobal),
	s("group_replication_local_address", "", scopeGlobal),
	s("group_replication_group_seeds", "", scopeGlobal),
	b("group_replication_bootstrap_group", "OFF", scopeGlobal),
	b("group_replication_single_primary_mode", "ON", scopeGlobal),
	b("group_replication_enforce_update_everywhere_checks", "OFF", scopeGlobal),
	u("group_replication_member_weight", "50", 0, 100, scopeGlobal),
	u("group_replication_member_expel_timeout", "5", 0, 3600, scopeGlobal),
	u("group_replication_autorejoin_tries", "3", 0, 2016, scopeGlobal),
	// OFFLINE_MODE is the default since 8.4.0 (release notes), READ_ONLY before.
	e("group_replication_exit_state_action", "OFFLINE_MODE", scopeGlobal, "ABORT_SERVER", "OFFLINE_MODE",
		"READ_ONLY"),
	u("group_replication_unreachable_majority_timeout", "0", 0, 31536000, scopeGlobal),
	s("group_replication_force_members", "", scopeGlobal),
	u("group_replication_clone_threshold", "9223372036854775807", 1, math.MaxInt64, scopeGlobal),
	u("group_replication_recovery_retry_count", "10", 0, 31536000, scopeGlobal),
	u("group_replication_recovery_reconnect_interval", "60", 0, 31536000, scopeGlobal),
	s("group_replication_ip_allowlist", "AUTOMATIC", scopeGlobal),
	e("group_replication_communication_stack", "XCOM", scopeGlobal, "XCOM", "MYSQL"),
	e("group_replication_consistency", "BEFORE_ON_PRIMARY_FAILOVER", scopeBoth,
		"EVENTUAL", "BEFORE_ON_PRIMARY_FAILOVER", "BEFORE", "AFTER", "BEFORE_AND_AFTER"),
	s("group_replication_view_change_uuid", "AUTOMATIC", scopeGlobal),
	u("group_replication_gtid_assignment_block_size", "1000000", 1, math.MaxInt64, scopeGlobal),
	b("group_replication_recovery_use_ssl", "OFF", scopeGlobal),
	s("group_replication_recovery_ssl_ca", "", scopeGlobal),
	s("group_replication_recovery_ssl_cert", "", scopeGlobal),
	s("group_replication_recovery_ssl_key", "", scopeGlobal),
	b("group_replication_recovery_ssl_verify_server_cert", "OFF", scopeGlobal),
	e("group_replication_ssl_mode", "DISABLED", scopeGlobal, "DISABLED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"),
	b("group_replication_recovery_get_public_key", "OFF", scopeGlobal),
	s("group_replication_recovery_public_key_path", "", scopeGlobal),
	b("group_replication_paxos_single_leader", "OFF", scopeGlobal),
	u("group_replication_transaction_size_limit", "150000000", 0, 2147483647, scopeGlobal),
	u("group_replication_components_stop_timeout", "300", 2, 31536000, scopeGlobal),
	u("group_replication_auto_increment_increment", "7", 1, 65535, scopeGlobal),
	s("group_replication_advertise_recovery_endpoints", "DEFAULT", scopeGlobal),
	e("group_replication_tls_source", "MYSQL_MAIN", scopeGlobal, "MYSQL_MAIN", "MYSQL_ADMIN"),
	e("group_replication_flow_control_mode", "QUOTA", scopeGlobal, "DISABLED", "QUOTA"),
	u("group_replication_message_cache_size", "1073741824", 134217728, math.MaxInt64, scopeGlobal),
	u("group_replication_poll_spin_loops", "0", 0, math.MaxInt64, scopeGlobal),
	u("group_replication_compression_threshold", "1000000", 0, maxU32, scopeGlobal),
	b("group_replication_allow_local_lower_version_join", "OFF", scopeGlobal),
	s("group_replication_recovery_compression_algorithms", "uncompressed", scopeGlobal),
	b("group_replication_preemptive_garbage_collection", "OFF", scopeGlobal),
)

// cloneVars exist while the clone plugin is loaded (MySQL 8.4 manual, "Clone System Variables").
var cloneVars = plugin(pluginClone,
	nullable(s("clone_valid_donor_list", "", scopeGlobal)),
	b("clone_autotune_concurrency", "ON", scopeGlobal),
	u("clone_max_concurrency", "16", 1, 128, scopeGlobal),
	u("clone_buffer_size", "4194304", 1048576, 268435456, scopeGlobal),
	u("clone_ddl_timeout", "300", 0, 2592000, scopeGlobal),
	u("clone_donor_timeout_after_network_failure", "5", 0, 30, scopeGlobal),
	b("clone_enable_compression", "OFF", scopeGlobal),
	b("clone_block_ddl", "OFF", scopeGlobal),
	nullable(s("clone_ssl_ca", "", scopeGlobal)),
	nullable(s("clone_ssl_cert", "", scopeGlobal)),
	nullable(s("clone_ssl_key", "", scopeGlobal)),
)

var varCatalog = func() map[string]*sysVar {
	m := map[string]*sysVar{}
	for _, list := range [][]sysVar{serverVars, grVars, cloneVars} {
		for i := range list {
			v := list[i]
			m[v.name] = &v
		}
	}
	return m
}()

// startupOnlyOptions are my.cnf options that are not system variables but that mysqld accepts.
var startupOnlyOptions = map[string]bool{
	"plugin_load_add": true, "plugin_load": true, "early_plugin_load": true, "user": true,
	"pid_file": true, "mysql_native_password": true, "console": true, "skip_host_cache": true,
	"skip_log_bin": false, // rejected on purpose: Group Replication needs the binary log
}

// lookupVar finds a variable by name as the member currently knows it (plugin variables only while
// the plugin is loaded).
func lookupVar(name string, plugins map[string]bool) *sysVar {
	v := varCatalog[strings.ToLower(name)]
	if v == nil || (v.plugin != "" && !plugins[v.plugin]) {
		return nil
	}
	return v
}
