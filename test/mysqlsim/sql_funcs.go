package mysqlsim

import (
	"context"
	"strconv"
	"strings"
	"time"
)

func (m *Member) eval(ctx context.Context, s *Session, e *expr) (any, *Error) {
	switch e.kind {
	case eLit:
		return literalAny(e.lit), nil
	case eVar:
		return m.readVar(s, e.scope, e.name)
	case eUserVar:
		return s.userVars[e.name], nil
	case eFunc:
		args := make([]any, len(e.args))
		for i, a := range e.args {
			v, err := m.eval(ctx, s, a)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		return m.call(ctx, s, e.name, args)
	}
	return nil, errBadField(strings.ToLower(e.name), "field list")
}

func literalAny(v value) any {
	switch {
	case v.null:
		return nil
	case v.kind == tNumber:
		if n, err := strconv.ParseInt(v.text, 10, 64); err == nil {
			return n
		}
		if f, err := strconv.ParseFloat(v.text, 64); err == nil {
			return f
		}
	}
	return v.text
}

func argString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return strconv.FormatInt(toInt(v), 10), true
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// call evaluates the functions the simulator owns (MySQL 8.4 manual, "Functions Used with Global
// Transaction Identifiers", "Group Replication Functions").
func (m *Member) call(ctx context.Context, s *Session, name string, args []any) (any, *Error) {
	switch name {
	case "version":
		return m.cfg.Version, nil
	case "database", "schema":
		if s.db == "" {
			return nil, nil
		}
		return s.db, nil
	case "user", "session_user", "system_user":
		return s.user + "@" + s.host, nil
	case "current_user":
		return s.acct.User + "@" + s.acct.Host, nil
	case "connection_id":
		return s.id, nil
	case "gtid_subset", "gtid_subtract":
		return gtidFunc(name, args)
	case "wait_for_executed_gtid_set":
		return m.waitForGTIDs(ctx, args)
	case "count": // without FROM: one row
		return int64(1), nil
	}
	if !m.loaded[pluginGR] || !strings.HasPrefix(name, "group_replication_") {
		return nil, errFunctionNotExist(name)
	}
	return m.callGR(s, name, args)
}

func gtidFunc(name string, args []any) (any, *Error) {
	if len(args) != 2 {
		return nil, sqlErr(1582, "42000", "Incorrect parameter count in the call to native function '%s'",
			strings.ToUpper(name))
	}
	a, okA := argString(args[0])
	b, okB := argString(args[1])
	if !okA || !okB {
		return nil, nil
	}
	sa, err := parseGTIDSet(a)
	if err != nil {
		return nil, err
	}
	sb, err := parseGTIDSet(b)
	if err != nil {
		return nil, err
	}
	if name == "gtid_subtract" {
		return sa.Subtract(sb).String(), nil
	}
	if sa.SubsetOf(sb) {
		return int64(1), nil
	}
	return int64(0), nil
}

// waitForGTIDs implements WAIT_FOR_EXECUTED_GTID_SET(gtid_set[, timeout]): 0 when applied, 1 on
// timeout. The lock is released while waiting.
func (m *Member) waitForGTIDs(ctx context.Context, args []any) (any, *Error) {
	if len(args) < 1 || len(args) > 2 {
		return nil, sqlErr(1582, "42000", "Incorrect parameter count in the call to native function "+
			"'WAIT_FOR_EXECUTED_GTID_SET'")
	}
	str, _ := argString(args[0])
	want, err := parseGTIDSet(str)
	if err != nil {
		return nil, err
	}
	if len(args) == 2 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(toInt(args[1]))*time.Second)
		defer cancel()
	}
	if m.g.waitUntil(ctx, func() bool { return !m.up || want.SubsetOf(m.gtid) }) != nil {
		return int64(1), nil
	}
	return int64(0), nil
}

// callGR runs the Group Replication UDFs with their init-time checks (ER 1123) and results.
func (m *Member) callGR(s *Session, name string, args []any) (any, *Error) {
	switch name {
	case "group_replication_get_communication_protocol":
		return "8.0.27", nil
	case "group_replication_get_write_concurrency":
		return int64(10), nil
	case "group_replication_set_as_primary", "group_replication_switch_to_single_primary_mode",
		"group_replication_switch_to_multi_primary_mode":
	default:
		return nil, errFunctionNotExist(name)
	}
	if !s.hasAny("GROUP_REPLICATION_ADMIN") {
		return nil, errCantInitUDF(name, "The user does not have the GROUP_REPLICATION_ADMIN privilege.")
	}
	uuid, err := m.udfUUIDArg(name, args)
	if err != nil {
		return nil, err
	}
	if msg := m.udfGroupCheck(); msg != "" {
		return nil, errCantInitUDF(name, msg)
	}
	if uuid != "" {
		found := false
		for _, x := range m.view.members {
			found = found || x.uuid == uuid
		}
		if !found {
			return nil, errCantInitUDF(name, "The requested uuid is not a member of the group.")
		}
	}
	switch name {
	case "group_replication_set_as_primary":
		return m.setAsPrimary(uuid, args)
	case "group_replication_switch_to_single_primary_mode":
		return m.switchToSinglePrimary(uuid, len(args) > 0)
	}
	return m.switchToMultiPrimary()
}

// lowestVersionCheck is Group Replication's validate_primary_version: an appointed primary must
// run the lowest version in the group, patch level included (MySQL 8.4 manual, 20.5.1.1 "Changing
// the Primary").
func (m *Member) lowestVersionCheck(name, uuid string) *Error {
	var target *Member
	lowest := ""
	for _, x := range m.view.members {
		if x.uuid == uuid {
			target = x
		}
		if lowest == "" || compareVersions(x.cfg.Version, lowest) < 0 {
			lowest = x.cfg.Version
		}
	}
	if target != nil && compareVersions(target.cfg.Version, lowest) > 0 {
		return errUDF(name, "The appointed primary member has a version that is greater than the one of some of the "+
			"members in the group.")
	}
	return nil
}

func (m *Member) udfUUIDArg(name string, args []any) (string, *Error) {
	switch name {
	case "group_replication_switch_to_multi_primary_mode":
		if len(args) > 0 {
			return "", errCantInitUDF(name, "Wrong arguments: This function takes no arguments.")
		}
		return "", nil
	case "group_replication_switch_to_single_primary_mode":
		if len(args) > 1 {
			return "", errCantInitUDF(name, "Wrong arguments: This function either takes no arguments or a single "+
				"server uuid.")
		}
		if len(args) == 0 {
			return "", nil
		}
	default:
		if len(args) > 2 {
			return "", errCantInitUDF(name, "Wrong arguments: UDF accepts maximum of 2 parameters.")
		}
		if len(args) < 1 {
			return "", errCantInitUDF(name, "Wrong arguments: You need to specify a server uuid.")
		}
		// The init function checks the type only; the range is checked when the action runs.
		if len(args) == 2 {
			if _, ok := args[1].(int64); !ok {
				return "", errCantInitUDF(name, "Wrong arguments: Second parameter `running_transactions_timeout` "+
					"must be type integer between 0 - 3600 (seconds).")
			}
		}
	}
	uuid, ok := args[0].(string)
	if !ok || uuid == "" {
		return "", errCantInitUDF(name, "Wrong arguments: You need to specify a server uuid.")
	}
	if !validUUID(uuid) {
		return "", errCantInitUDF(name, "Wrong arguments: The server uuid is not valid.")
	}
	return strings.ToLower(uuid), nil
}

// udfGroupCheck mirrors the init checks every group action UDF runs.
func (m *Member) udfGroupCheck() string {
	if !m.grRunning || m.state != StateOnline || m.view == nil || !m.hasQuorum() {
		return "Member must be ONLINE and in the majority partition."
	}
	for _, x := range m.view.members {
		if x.state == StateRecovering && x.view == m.view {
			return "A member is joining the group, wait for it to be ONLINE."
		}
		if m.suspects[x] {
			return "All members in the group must be reachable."
		}
	}
	return ""
}

// setAsPrimary runs group_replication_set_as_primary(uuid[, running_transactions_timeout]): the
// timeout must be 0..3600, then the target must not be the primary already and must run the
// lowest version of the group.
func (m *Member) setAsPrimary(uuid string, args []any) (any, *Error) {
	const name = "group_replication_set_as_primary"
	v := m.view
	if !v.grp.singlePrimary {
		return nil, errCantInitUDF(name, "In multi-primary mode. Use group_replication_switch_to_single_primary_mode.")
	}
	if len(args) == 2 && (toInt(args[1]) < 0 || toInt(args[1]) > 3600) {
		return nil, errUDF(name, "Valid range for running_transactions_timeout is 0 to 3600.")
	}
	if v.primary != nil && v.primary.uuid == uuid {
		return "The requested member is already the current group primary.", nil
	}
	if err := m.lowestVersionCheck(name, uuid); err != nil {
		return nil, err
	}
	for _, x := range v.members {
		if x.uuid == uuid {
			v.primary = x
		}
	}
	m.g.applyRoles(v)
	return "Primary server switched to: " + uuid, nil
}

func (m *Member) switchToSinglePrimary(uuid string, withArg bool) (any, *Error) {
	v := m.view
	if v.grp.singlePrimary {
		if withArg {
			return "Already in single-primary mode. Did you mean to use group_replication_set_as_primary?", nil
		}
		return "The group is already on single-primary mode.", nil
	}
	if uuid != "" {
		if err := m.lowestVersionCheck("group_replication_switch_to_single_primary_mode", uuid); err != nil {
			return nil, err
		}
	}
	v.grp.singlePrimary = true
	m.g.setModeVars(v, "ON", "OFF")
	v.primary = nil
	for _, x := range v.members {
		if x.uuid == uuid {
			v.primary = x
		}
	}
	if v.primary == nil {
		m.g.runElection(v)
	} else {
		m.g.applyRoles(v)
	}
	return "Mode switched to single-primary successfully.", nil
}

func (m *Member) switchToMultiPrimary() (any, *Error) {
	v := m.view
	if !v.grp.singlePrimary {
		return "The group is already on multi-primary mode.", nil
	}
	v.grp.singlePrimary = false
	v.primary = nil
	m.g.setModeVars(v, "OFF", "ON")
	m.g.applyRoles(v)
	return "Mode switched to multi-primary successfully.", nil
}

func (g *Group) setModeVars(v *view, single, checks string) {
	for _, x := range v.members {
		x.globals["group_replication_single_primary_mode"] = single
		x.globals["group_replication_enforce_update_everywhere_checks"] = checks
	}
}
