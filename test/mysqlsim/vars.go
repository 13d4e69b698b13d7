package mysqlsim

import (
	"fmt"
	"strconv"
	"strings"
)

// globalValue is the global variable as SHOW GLOBAL VARIABLES prints it (computed ones included).
func (m *Member) globalValue(name string) string {
	switch name {
	case "gtid_executed":
		return m.gtid.String()
	case "gtid_purged":
		return m.purged.String()
	}
	return m.globals[name]
}

// readVar evaluates @@[scope.]name: booleans as 0/1, integers as numbers, the rest as strings
// (MySQL 8.4 manual, "Using System Variables").
func (m *Member) readVar(s *Session, scope, name string) (any, *Error) {
	v := lookupVar(name, m.loaded)
	if v == nil {
		return nil, errUnknownSysVar(name)
	}
	var raw string
	switch scope {
	case "global":
		if v.scope&scopeGlobal == 0 {
			return nil, errIncorrectGlobalLocal(name, "SESSION")
		}
		raw = m.globalValue(name)
	case "session", "local":
		if v.scope&scopeSession == 0 {
			return nil, errIncorrectGlobalLocal(name, "GLOBAL")
		}
		raw = s.vars[name]
	case "":
		if v.scope&scopeSession != 0 {
			raw = s.vars[name]
		} else {
			raw = m.globalValue(name)
		}
	default:
		return nil, errParse("@@"+scope+"."+name, 1)
	}
	return typedValue(v, raw), nil
}

func typedValue(v *sysVar, raw string) any {
	switch {
	case v.nullable && raw == "":
		return nil
	case v.kind == kBool:
		if raw == "ON" {
			return int64(1)
		}
		return int64(0)
	case v.kind == kInt:
		n, _ := strconv.ParseInt(raw, 10, 64)
		return n
	case v.kind == kUint:
		n, _ := strconv.ParseUint(raw, 10, 64)
		return n
	}
	return raw
}

// normalizeValue parses a my.cnf option value into the stored form.
func normalizeValue(v *sysVar, raw string) (string, error) {
	raw = strings.Trim(strings.TrimSpace(raw), `"'`)
	switch v.kind {
	case kBool:
		switch strings.ToUpper(raw) {
		case "ON", "1", "TRUE", "YES", "":
			return "ON", nil
		case "OFF", "0", "FALSE", "NO":
			return "OFF", nil
		}
	case kInt, kUint:
		if _, err := strconv.ParseInt(raw, 10, 64); err == nil {
			return raw, nil
		}
	case kEnum:
		for _, e := range v.enum {
			if strings.EqualFold(e, raw) {
				return e, nil
			}
		}
	case kString:
		return raw, nil
	}
	return "", fmt.Errorf("invalid value '%s' for %s", raw, v.name)
}

// literalValue converts the right-hand side of SET into the stored form, the way MySQL validates
// it: ER 1231 for a bad name, ER 1232 for the wrong type, clamping integers with a warning.
func literalValue(v *sysVar, val value, current func() string) (string, uint16, *Error) {
	switch {
	case val.isDef:
		if current != nil {
			return current(), 0, nil
		}
		return v.def, 0, nil
	case val.null:
		if v.nullable || (v.kind == kString && v.name == "clone_valid_donor_list") {
			return "", 0, nil
		}
		return "", 0, errWrongValueForVar(v.name, "NULL")
	}
	switch v.kind {
	case kBool:
		return boolLiteral(v, val)
	case kInt, kUint:
		return intLiteral(v, val)
	case kEnum:
		return enumLiteral(v, val)
	}
	if val.kind == tNumber {
		return "", 0, errWrongTypeForVar(v.name)
	}
	return val.text, 0, nil
}

func boolLiteral(v *sysVar, val value) (string, uint16, *Error) {
	if val.kind == tNumber {
		switch val.text {
		case "0":
			return "OFF", 0, nil
		case "1":
			return "ON", 0, nil
		}
		return "", 0, errWrongValueForVar(v.name, val.text)
	}
	switch strings.ToUpper(val.text) {
	case "ON", "TRUE":
		return "ON", 0, nil
	case "OFF", "FALSE":
		return "OFF", 0, nil
	}
	return "", 0, errWrongValueForVar(v.name, val.text)
}

func intLiteral(v *sysVar, val value) (string, uint16, *Error) {
	if val.kind != tNumber {
		return "", 0, errWrongTypeForVar(v.name)
	}
	n, err := strconv.ParseInt(val.text, 10, 64)
	if err != nil {
		if strings.Contains(val.text, ".") {
			return "", 0, errWrongTypeForVar(v.name)
		}
		n = v.max
	}
	if n < v.min {
		return strconv.FormatInt(v.min, 10), 1, nil
	}
	if v.max != 0 && n > v.max {
		return strconv.FormatInt(v.max, 10), 1, nil
	}
	return strconv.FormatInt(n, 10), 0, nil
}

func enumLiteral(v *sysVar, val value) (string, uint16, *Error) {
	if val.kind == tNumber {
		i, err := strconv.Atoi(val.text)
		if err == nil && i >= 0 && i < len(v.enum) {
			return v.enum[i], 0, nil
		}
		return "", 0, errWrongValueForVar(v.name, val.text)
	}
	for _, e := range v.enum {
		if strings.EqualFold(e, val.text) {
			return e, 0, nil
		}
	}
	return "", 0, errWrongValueForVar(v.name, val.text)
}

// assignment is one "[scope] name = value" of a SET statement.
type assignment struct {
	scope string // "session", "global", "persist", "persist_only"
	name  string
	val   value
}

// setVar applies one assignment (MySQL 8.4 manual, "SET Syntax for Variable Assignment",
// "Persisted System Variables").
func (m *Member) setVar(s *Session, a assignment) (uint16, *Error) {
	v := lookupVar(a.name, m.loaded)
	if v == nil {
		return 0, errUnknownSysVar(a.name)
	}
	if a.scope == "session" {
		return m.setSessionVar(s, v, a)
	}
	if v.scope&scopeGlobal == 0 {
		return 0, errLocalVariable(v.name)
	}
	if v.readOnly {
		if a.scope != "persist_only" {
			return 0, errIncorrectGlobalLocal(v.name, "read only")
		}
		if v.noPersist {
			return 0, errIncorrectGlobalLocal(v.name, "non persistent read only")
		}
	}
	if !s.hasAny("SUPER", "SYSTEM_VARIABLES_ADMIN") {
		return 0, errSpecificAccess("SUPER or SYSTEM_VARIABLES_ADMIN")
	}
	if a.scope == "persist_only" && v.readOnly && !s.hasAny("PERSIST_RO_VARIABLES_ADMIN") {
		return 0, errSpecificAccess("SYSTEM_VARIABLES_ADMIN and PERSIST_RO_VARIABLES_ADMIN")
	}
	val, warn, err := literalValue(v, a.val, nil)
	if err != nil {
		return 0, err
	}
	if a.scope != "persist_only" {
		if err := m.applyGlobal(v, val, a.val); err != nil {
			return 0, err
		}
	}
	if a.scope == "persist" || a.scope == "persist_only" {
		m.persist[v.name] = persisted{value: val, onlyRO: a.scope == "persist_only"}
	}
	return warn, nil
}

func (m *Member) setSessionVar(s *Session, v *sysVar, a assignment) (uint16, *Error) {
	if v.scope&scopeSession == 0 {
		return 0, errGlobalVariable(v.name)
	}
	if v.readOnly {
		return 0, errIncorrectGlobalLocal(v.name, "read only")
	}
	val, warn, err := literalValue(v, a.val, func() string { return m.globals[v.name] })
	if err != nil {
		return 0, err
	}
	if v.name == "sql_log_bin" && s.inTx {
		return 0, sqlErr(1694, "HY000", "Cannot modify @@session.sql_log_bin inside a transaction")
	}
	s.vars[v.name] = val
	if name, ok := forwardedSessionVars[v.name]; ok {
		s.dataSets = append(s.dataSets, "SET SESSION "+name+" = "+quoteString(val))
	}
	return warn, nil
}

// forwardedSessionVars also change the session's data-store connection, so transactions, SQL
// modes and time zones behave there as the client asked.
// The value is the name MariaDB 10.11 knows the variable by.
var forwardedSessionVars = map[string]string{
	"autocommit": "autocommit", "sql_mode": "sql_mode", "time_zone": "time_zone",
	"transaction_isolation": "tx_isolation", "transaction_read_only": "tx_read_only",
	"foreign_key_checks": "foreign_key_checks", "unique_checks": "unique_checks",
	"character_set_client": "character_set_client", "character_set_connection": "character_set_connection",
	"character_set_results": "character_set_results", "sql_safe_updates": "sql_safe_updates",
}

// applyGlobal sets a global value with the side effects and checks MySQL and Group Replication
// attach to it.
func (m *Member) applyGlobal(v *sysVar, val string, lit value) *Error {
	if err := m.checkGlobal(v, val, lit); err != nil {
		return err
	}
	switch v.name {
	case "gtid_purged":
		return m.setGTIDPurged(val)
	case "group_replication_force_members":
		if err := m.g.forceMembers(m, val); err != nil {
			return err
		}
	case "super_read_only":
		if val == "ON" {
			m.globals["read_only"] = "ON"
		}
	case "read_only":
		if val == "OFF" {
			m.globals["super_read_only"] = "OFF"
		}
	case "offline_mode":
		if val == "ON" {
			m.globals[v.name] = val
			m.killUnprivilegedSessions()
		}
	}
	m.globals[v.name] = val
	return nil
}

var gtidModes = []string{"OFF", "OFF_PERMISSIVE", "ON_PERMISSIVE", "ON"}

func (m *Member) checkGlobal(v *sysVar, val string, lit value) *Error {
	running := m.grRunning
	switch v.name {
	case "gtid_mode":
		if abs(index(gtidModes, val)-index(gtidModes, m.globals["gtid_mode"])) > 1 {
			return sqlErr(1788, "HY000", "The value of @@GLOBAL.GTID_MODE can only be changed one step at a time: "+
				"OFF <-> OFF_PERMISSIVE <-> ON_PERMISSIVE <-> ON. Also note that this value must be stepped up or "+
				"down simultaneously on all servers. See the Manual for instructions.")
		}
		if val == "ON" && m.globals["enforce_gtid_consistency"] != "ON" {
			return sqlErr(1779, "HY000", "GTID_MODE = ON requires ENFORCE_GTID_CONSISTENCY = ON.")
		}
	case "enforce_gtid_consistency":
		if val != "ON" && m.globals["gtid_mode"] == "ON" {
			return sqlErr(1779, "HY000", "GTID_MODE = ON requires ENFORCE_GTID_CONSISTENCY = ON.")
		}
	case "group_replication_group_name":
		if running {
			return sqlErr(3093, "HY000", "The group_replication_group_name cannot be changed when Group Replication "+
				"is running")
		}
		if val != "" && !validUUID(val) {
			return errWrongValueForVar(v.name, lit.text)
		}
	case "group_replication_single_primary_mode", "group_replication_enforce_update_everywhere_checks":
		if running {
			return sqlErr(3093, "HY000", "Cannot modify group replication mode by changing system variable. Please "+
				"use the group_replication_switch_to_single_primary_mode([member_uuid]) OR "+
				"group_replication_switch_to_multi_primary_mode() UDF.")
		}
	case "group_replication_communication_stack", "group_replication_view_change_uuid",
		"group_replication_gtid_assignment_block_size":
		if running {
			return sqlErr(3093, "HY000", "The %s cannot be changed when Group Replication is running", v.name)
		}
	}
	return nil
}

// setGTIDPurged implements SET GLOBAL gtid_purged = '[+]set' (MySQL 8.4 manual, "gtid_purged").
func (m *Member) setGTIDPurged(val string) *Error {
	if m.grRunning {
		return sqlErr(3911, "HY000", "Cannot update GTID_PURGED with the Group Replication plugin running")
	}
	add, err := parseGTIDSet(strings.TrimPrefix(strings.TrimSpace(val), "+"))
	if err != nil {
		return err
	}
	if !strings.HasPrefix(strings.TrimSpace(val), "+") {
		if !m.purged.SubsetOf(add) {
			return sqlErr(3546, "HY000", "@@GLOBAL.GTID_PURGED cannot be changed: the new value must be a superset "+
				"of the old value")
		}
		add = add.Subtract(m.purged)
	}
	if !add.Intersect(m.gtid).IsEmpty() {
		return sqlErr(3546, "HY000", "@@GLOBAL.GTID_PURGED cannot be changed: the added gtid set must not overlap "+
			"with @@GLOBAL.GTID_EXECUTED")
	}
	m.purged = m.purged.Union(add)
	m.gtid = m.gtid.Union(add)
	return nil
}

func index(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return 0
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
