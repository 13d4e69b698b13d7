package specs

import "strings"

// OwnedOptions are the mysqld options spec.mycnf may not set, by their canonical name (lower case, '_'). Orca
// writes most of them in the rendered files; the others would take the member out of the group or out of
// Orca's reach (networking, the binary log, the data and socket paths, read-only state Orca persists and
// clears). The CRD's mycnf rule refuses each of them in every spelling mysqld accepts in an option file: '-'
// or '_' anywhere, any case, a "loose" prefix and the "skip", "enable", "disable" and "maximum" modifiers.
// TestCRDRuleIsOwnedOptionPattern keeps the CRD's regular expression equal to OwnedOptionPattern.
var OwnedOptions = []string{
	// Written in the shared my.cnf (RenderMyCnf).
	"port", "mysqlx_port", "gtid_mode", "enforce_gtid_consistency", "disabled_storage_engines",
	"plugin_load", "plugin_load_add", "skip_replica_start", "log_error_verbosity",
	// Written per member by `orca init` (RenderMemberCnf).
	"server_id", "report_host",
	// Orca persists and clears them through SQL (MySQL Shell does the same).
	"super_read_only", "offline_mode",
	// Group Replication needs the binary log, replica updates logged and row-based events.
	"log_bin", "log_replica_updates", "log_slave_updates", "skip_slave_start", "binlog_format",
	// Members, the operator and the probes must reach the server where Orca expects it.
	"skip_networking", "bind_address", "report_port", "mysqlx", "mysqlx_bind_address", "socket",
	"skip_grant_tables",
	// The data volume is mounted at the image's datadir, the plugins come from its plugin_dir.
	"datadir", "plugin_dir",
	// TLS (tlsOptions): the certificates the operator and the members verify. X Plugin shares the classic
	// TLS context only while no mysqlx_ssl_* option is set (manual 22.5.3).
	"ssl_ca", "ssl_capath", "ssl_cert", "ssl_key", "mysqlx_ssl_ca", "mysqlx_ssl_capath", "mysqlx_ssl_cert",
	"mysqlx_ssl_key",
}

// OwnedOptionFamilies are plugins whose every option Orca owns: the plugin option itself (group_replication=OFF
// would unload it) and every variable named after it (group_replication_*, clone_*).
var OwnedOptionFamilies = []string{"group_replication", "clone"}

// ownedOptionModifiers are the prefixes mysqld's option parser strips before it looks a name up: "loose" first,
// then one of the boolean and limit modifiers (MySQL 8.4 manual, "Program Option Modifiers").
const (
	ownedLoosePrefix = `(loose[-_])?`
	ownedModifiers   = `((skip|enable|disable|maximum)[-_])?`
)

// OwnedOptionPattern is the RE2 regular expression that finds a line of an option file setting an owned
// option: the name at the start of a line (after blanks), then a blank, '=', '#' or the end of the line. It uses
// no backslash and no quote, so the CRD's CEL rule holds it verbatim. The case-insensitive, multi-line flags
// make it match any case on any line; a comment line (# or ;) never matches.
func OwnedOptionPattern() string {
	alternatives := make([]string, 0, len(OwnedOptions)+len(OwnedOptionFamilies))
	for _, name := range OwnedOptions {
		alternatives = append(alternatives, optionNamePattern(name))
	}
	for _, family := range OwnedOptionFamilies {
		alternatives = append(alternatives, optionNamePattern(family)+`([-_][-_a-z0-9]*)?`)
	}
	return `(?mi)^[[:blank:]]*` + ownedLoosePrefix + ownedModifiers + `(` + strings.Join(alternatives, "|") +
		`)([[:space:]=#]|$)`
}

// optionNamePattern lets every '_' of a name be written '-' too, as mysqld allows.
func optionNamePattern(name string) string {
	return strings.ReplaceAll(name, "_", "[-_]")
}

// IsOwnedOption reports whether an option name (as written in an option file, before any '=') names an option
// Orca owns, in any spelling mysqld accepts.
func IsOwnedOption(name string) bool {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "-", "_")
	n = strings.TrimPrefix(n, "loose_")
	for _, modifier := range []string{"skip_", "enable_", "disable_", "maximum_"} {
		if rest, ok := strings.CutPrefix(n, modifier); ok && isOwnedCanonical(rest) {
			return true
		}
	}
	return isOwnedCanonical(n)
}

func isOwnedCanonical(n string) bool {
	for _, name := range OwnedOptions {
		if n == name {
			return true
		}
	}
	for _, family := range OwnedOptionFamilies {
		if n == family || strings.HasPrefix(n, family+"_") {
			return true
		}
	}
	return false
}
