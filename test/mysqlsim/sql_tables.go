package mysqlsim

import (
	"strings"
)

// tableData is a materialised simulated table.
type tableData struct {
	schema, name string
	cols         []Column
	rows         [][]any
}

func (t *tableData) col(name string) int {
	for i, c := range t.cols {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

func newTable(schema, name string, cols ...Column) *tableData {
	return &tableData{schema: schema, name: name, cols: cols}
}

func vc(name string) Column { return Column{Name: name, Type: TypeVarchar} }
func ic(name string) Column { return Column{Name: name, Type: TypeLongLong} }
func uc(name string) Column { return Column{Name: name, Type: TypeLongLong, Unsigned: true} }

// table builds the rows of a performance_schema / mysql table as the member sees it now
// (MySQL 8.4 manual, "Performance Schema Replication Tables").
func (m *Member) table(schema, name string) (*tableData, *Error) {
	missing := sqlErr(1146, "42S02", "Table '%s.%s' doesn't exist", schema, name)
	switch schema + "." + name {
	case "performance_schema.replication_group_members":
		return m.groupMembersTable(), nil
	case "performance_schema.replication_group_member_stats":
		return m.memberStatsTable(), nil
	case "performance_schema.replication_connection_status":
		return m.connectionStatusTable(), nil
	case "performance_schema.threads":
		return m.threadsTable(), nil
	case "performance_schema.clone_status":
		if !m.loaded[pluginClone] {
			return nil, missing
		}
		return m.cloneStatusTable(), nil
	case "performance_schema.persisted_variables":
		t := newTable(schema, name, vc("VARIABLE_NAME"), vc("VARIABLE_VALUE"))
		for _, k := range sortedKeys(m.persist) {
			t.rows = append(t.rows, []any{k, m.persist[k].value})
		}
		return t, nil
	case "performance_schema.global_variables":
		t := newTable(schema, name, vc("VARIABLE_NAME"), vc("VARIABLE_VALUE"))
		for _, k := range sortedKeys(varCatalog) {
			if v := lookupVar(k, m.loaded); v != nil && v.scope&scopeGlobal != 0 {
				t.rows = append(t.rows, []any{k, m.globalValue(k)})
			}
		}
		return t, nil
	case "performance_schema.error_log":
		t := newTable(schema, name, vc("LOGGED"), uc("THREAD_ID"), vc("PRIO"), vc("ERROR_CODE"), vc("SUBSYSTEM"),
			vc("DATA"))
		for _, l := range m.errorLog {
			t.rows = append(t.rows, []any{l.Time.UTC().Format("2006-01-02 15:04:05.000000"), uint64(0), l.Prio,
				l.ErrorCode, l.Subsystem, l.Data})
		}
		return t, nil
	case "mysql.user":
		t := newTable(schema, name, vc("Host"), vc("User"), vc("plugin"), vc("account_locked"))
		for _, a := range m.accounts.list {
			locked := "N"
			if a.Locked {
				locked = "Y"
			}
			t.rows = append(t.rows, []any{a.Host, a.User, a.Plugin, locked})
		}
		return t, nil
	}
	return nil, missing
}

func (m *Member) groupMembersTable() *tableData {
	t := newTable("performance_schema", "replication_group_members", vc("CHANNEL_NAME"), vc("MEMBER_ID"),
		vc("MEMBER_HOST"), uc("MEMBER_PORT"), vc("MEMBER_STATE"), vc("MEMBER_ROLE"), vc("MEMBER_VERSION"),
		vc("MEMBER_COMMUNICATION_STACK"))
	stack := "XCom"
	if m.globals["group_replication_communication_stack"] == "MYSQL" {
		stack = "MySQL"
	}
	for _, r := range m.groupMembers() {
		var port any = uint64(r.Port)
		if r.State == StateOffline && m.view == nil {
			port = nil
		}
		t.rows = append(t.rows, []any{"group_replication_applier", r.UUID, r.Host, port, string(r.State),
			string(r.Role), r.Version, stack})
	}
	return t
}

func (m *Member) memberStatsTable() *tableData {
	t := newTable("performance_schema", "replication_group_member_stats", vc("CHANNEL_NAME"), vc("VIEW_ID"),
		vc("MEMBER_ID"), uc("COUNT_TRANSACTIONS_IN_QUEUE"), uc("COUNT_TRANSACTIONS_CHECKED"),
		uc("COUNT_CONFLICTS_DETECTED"), uc("COUNT_TRANSACTIONS_ROWS_VALIDATING"),
		vc("TRANSACTIONS_COMMITTED_ALL_MEMBERS"),
		vc("LAST_CONFLICT_FREE_TRANSACTION"), uc("COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE"),
		uc("COUNT_TRANSACTIONS_REMOTE_APPLIED"), uc("COUNT_TRANSACTIONS_LOCAL_PROPOSED"),
		uc("COUNT_TRANSACTIONS_LOCAL_ROLLBACK"))
	if m.view == nil || !m.grRunning {
		return t
	}
	committed := m.gtid
	for _, x := range m.view.members {
		if x.view == m.view && x.up {
			committed = committed.Intersect(x.gtid)
		}
	}
	for _, x := range m.view.members {
		t.rows = append(t.rows, []any{"group_replication_applier", m.view.id, x.uuid, uint64(x.certifying),
			uint64(x.transactions), uint64(0), uint64(0), committed.String(), "",
			uint64(x.relay.queue.Count()), uint64(x.gtid.Count()), uint64(x.transactions), uint64(0)})
	}
	return t
}

func (m *Member) cloneStatusTable() *tableData {
	t := newTable("performance_schema", "clone_status", uc("ID"), uc("PID"), vc("STATE"), vc("BEGIN_TIME"),
		vc("END_TIME"), vc("SOURCE"), vc("DESTINATION"), ic("ERROR_NO"), vc("ERROR_MESSAGE"), vc("BINLOG_FILE"),
		uc("BINLOG_POSITION"), vc("GTID_EXECUTED"))
	c := m.cloneState
	if c.ID == 0 {
		return t
	}
	t.rows = append(t.rows, []any{uint64(c.ID), uint64(0), c.State, c.Began, c.Done, c.Source, "LOCAL INSTANCE",
		int64(c.ErrorNo), c.ErrorMsg, "binlog.000001", uint64(157), c.GTIDs})
	return t
}
