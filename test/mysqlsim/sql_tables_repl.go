package mysqlsim

import (
	"sort"
	"time"
)

const zeroTimestamp = "0000-00-00 00:00:00.000000"

func timestamp(t time.Time) string {
	if t.IsZero() {
		return zeroTimestamp
	}
	return t.UTC().Format("2006-01-02 15:04:05.000000")
}

// connectionStatusTable is performance_schema.replication_connection_status (MySQL 8.4 manual, "The
// replication_connection_status Table") with Group Replication's two channels: the applier channel
// (whose relay log is on disk, RECEIVED_TRANSACTION_SET included) once Group Replication was first
// started, and the recovery channel once distributed recovery ran, with the last donor connection
// error until a connection succeeds.
func (m *Member) connectionStatusTable() *tableData {
	t := newTable("performance_schema", "replication_connection_status", vc("CHANNEL_NAME"), vc("GROUP_NAME"),
		vc("SOURCE_UUID"), uc("THREAD_ID"), vc("SERVICE_STATE"), uc("COUNT_RECEIVED_HEARTBEATS"),
		vc("LAST_HEARTBEAT_TIMESTAMP"), vc("RECEIVED_TRANSACTION_SET"), ic("LAST_ERROR_NUMBER"),
		vc("LAST_ERROR_MESSAGE"), vc("LAST_ERROR_TIMESTAMP"), vc("LAST_QUEUED_TRANSACTION"),
		vc("LAST_QUEUED_TRANSACTION_ORIGINAL_COMMIT_TIMESTAMP"),
		vc("LAST_QUEUED_TRANSACTION_IMMEDIATE_COMMIT_TIMESTAMP"),
		vc("LAST_QUEUED_TRANSACTION_START_QUEUE_TIMESTAMP"), vc("LAST_QUEUED_TRANSACTION_END_QUEUE_TIMESTAMP"),
		vc("QUEUEING_TRANSACTION"), vc("QUEUEING_TRANSACTION_ORIGINAL_COMMIT_TIMESTAMP"),
		vc("QUEUEING_TRANSACTION_IMMEDIATE_COMMIT_TIMESTAMP"), vc("QUEUEING_TRANSACTION_START_QUEUE_TIMESTAMP"))
	if !m.loaded[pluginGR] {
		return t
	}
	group := m.groupName()
	if m.relay.exists {
		state := onOff(m.grRunning)
		t.rows = append(t.rows, connectionRow("group_replication_applier", group, group, nil, state,
			m.relay.received.String(), 0, "", time.Time{}, m.relay.last))
	}
	if r := m.recChannel; r.exists {
		state, thread := "OFF", any(nil)
		if m.grRunning && m.state == StateRecovering {
			state, thread = "CONNECTING", uint64(100+m.incarnation)
		}
		t.rows = append(t.rows, connectionRow("group_replication_recovery", "", r.source, thread, state,
			r.received.String(), r.errNo, r.errMsg, r.errAt, ""))
	}
	return t
}

func connectionRow(channel, group, source string, thread any, state, received string, errNo int, errMsg string,
	errAt time.Time, last string) []any {
	return []any{channel, group, source, thread, state, uint64(0), zeroTimestamp, received, int64(errNo), errMsg,
		timestamp(errAt), last, zeroTimestamp, zeroTimestamp, zeroTimestamp, zeroTimestamp, "", zeroTimestamp,
		zeroTimestamp, zeroTimestamp}
}

func onOff(on bool) string {
	if on {
		return "ON"
	}
	return "OFF"
}

// threadsTable is performance_schema.threads (MySQL 8.4 manual, "The threads Table"): the main
// thread, one row per client connection, and Group Replication's auto-rejoin thread
// (thread/group_rpl/THD_autorejoin) while the auto-rejoin procedure runs, which is how MySQL Shell
// tells that it runs.
func (m *Member) threadsTable() *tableData {
	t := newTable("performance_schema", "threads", uc("THREAD_ID"), vc("NAME"), vc("TYPE"), uc("PROCESSLIST_ID"),
		vc("PROCESSLIST_USER"), vc("PROCESSLIST_HOST"), vc("PROCESSLIST_DB"), vc("PROCESSLIST_COMMAND"),
		uc("PROCESSLIST_TIME"), vc("PROCESSLIST_STATE"), vc("PROCESSLIST_INFO"), uc("PARENT_THREAD_ID"),
		vc("ROLE"), vc("INSTRUMENTED"), vc("HISTORY"), vc("CONNECTION_TYPE"), uc("THREAD_OS_ID"))
	background := func(id uint64, name string) []any {
		return []any{id, name, "BACKGROUND", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "YES", "YES", nil, id}
	}
	t.rows = append(t.rows, background(1, "thread/sql/main"))
	for _, s := range m.sessionsByID() {
		var db any
		if s.db != "" {
			db = s.db
		}
		t.rows = append(t.rows, []any{1000 + s.id, "thread/sql/one_connection", "FOREGROUND", s.id, s.user, s.host, db,
			"Sleep", uint64(0), nil, nil, uint64(1), nil, "YES", "YES", "TCP/IP", 1000 + s.id})
	}
	if m.rejoin != nil {
		t.rows = append(t.rows, background(900, "thread/group_rpl/THD_autorejoin"))
	}
	return t
}

func (m *Member) sessionsByID() []*Session {
	out := make([]*Session, 0, len(m.sessions))
	for s := range m.sessions {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}
