package mysqlsim

import "strings"

// worldReadable are the Performance Schema tables any account may read: the system variable and status
// tables that SHOW VARIABLES and SHOW STATUS are built on (their ACL in the Performance Schema is
// PFS_readonly_world_acl). Every other table needs SELECT, "as for other databases and tables" (MySQL 8.4
// manual, 29.11 "Performance Schema General Table Characteristics").
var worldReadable = map[string]bool{
	"performance_schema.global_variables": true, "performance_schema.session_variables": true,
	"performance_schema.global_status": true, "performance_schema.session_status": true,
	"performance_schema.variables_info": true,
}

// checkSelect refuses a SELECT on a table the session's account holds no SELECT privilege for, at the global,
// database or table level (ER_TABLEACCESS_DENIED_ERROR, 1142).
func (s *Session) checkSelect(schema, table string) *Error {
	full := strings.ToLower(schema + "." + table)
	if worldReadable[full] {
		return nil
	}
	if s.acct != nil {
		for _, level := range []string{"*.*", strings.ToLower(schema) + ".*", full} {
			if s.acct.grants[level]["SELECT"] {
				return nil
			}
		}
	}
	return sqlErr(1142, "42000", "SELECT command denied to user '%s'@'%s' for table '%s'", s.user, s.host, table)
}
