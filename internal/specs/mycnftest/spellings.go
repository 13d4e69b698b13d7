// Package mycnftest lists the ways an option file can spell an option, for the tests of the rule that keeps
// Orca's options out of spec.mycnf (internal/specs and the CRD on a real apiserver).
package mycnftest

import "strings"

// Spellings returns option-file lines that set the option of canonical name (lower case, '_') as mysqld reads
// them: '-' for '_', other cases, the loose prefix, a bare boolean, blanks around '=', a trailing comment, a CRLF
// line end. Each line sets the option itself; Modified adds the modifier forms.
func Spellings(name string) []string {
	dashed := strings.ReplaceAll(name, "_", "-")
	return []string{
		name + "=1",
		dashed + "=1",
		"  " + strings.ToUpper(name) + " = 1",
		"\t" + mixedCase(dashed) + "\t=1",
		"loose_" + name + "=1",
		"loose-" + dashed + "=1",
		"LOOSE-" + strings.ToUpper(dashed),
		name,
		name + " # set by hand",
		name + "\r",
	}
}

// Modified returns lines that set the option through the modifiers mysqld accepts for booleans and limits.
func Modified(name string) []string {
	dashed := strings.ReplaceAll(name, "_", "-")
	return []string{
		"skip-" + dashed,
		"skip_" + name,
		"enable-" + dashed + "=1",
		"DISABLE_" + strings.ToUpper(name),
		"loose-skip-" + dashed,
		"loose_disable_" + name,
		"maximum-" + dashed + "=1",
	}
}

// Ordinary are lines spec.mycnf may hold: options Orca does not own (some share a prefix with an owned one),
// comments and a group header.
var Ordinary = []string{
	"innodb_buffer_pool_size=1G",
	"max_connections=500",
	"innodb-log-file-size = 256M",
	"# server_id is chosen by Orca",
	"; report_host too",
	"  # loose_group_replication_consistency=EVENTUAL",
	"[mysqld]",
	"port_open_timeout=10",
	"log_bin_trust_function_creators=ON",
	"log_error_suppression_list=MY-013360",
	"mysqlx_max_connections=200",
	"skip_name_resolve=ON",
	"server_id_bits=32",
	"binlog_expire_logs_seconds=604800",
	"relay_log_recovery",
	"transaction_isolation=READ-COMMITTED",
	"cloned=1",
	"sql_mode=STRICT_TRANS_TABLES,NO_ZERO_DATE",
	"max_allowed_packet = 64M # large rows",
}

func mixedCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i%2 == 0 {
			b.WriteString(strings.ToUpper(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
