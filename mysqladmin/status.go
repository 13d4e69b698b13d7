package mysqladmin

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/orca-operator/orca/topology"
)

// The statements Status runs; every one is pinned by the tests and named in Instance.Status.
const (
	qVariables = "SELECT @@server_uuid, @@gtid_executed, @@super_read_only, @@version, @@gtid_purged, " +
		"@@offline_mode, @@group_replication_bootstrap_group, @@group_replication_force_members"
	qGroupMembers = MonitorQueryMembers // monitor.go: the prober's statement, shared
	qMemberStats  = "SELECT VIEW_ID, COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE, COUNT_TRANSACTIONS_IN_QUEUE " +
		"FROM performance_schema.replication_group_member_stats WHERE MEMBER_ID = @@server_uuid"
	qChannels = "SELECT CHANNEL_NAME, RECEIVED_TRANSACTION_SET, LAST_ERROR_MESSAGE " +
		"FROM performance_schema.replication_connection_status"
	qClone      = "SELECT STATE, ERROR_MESSAGE FROM performance_schema.clone_status"
	qAutoRejoin = "SELECT THREAD_ID FROM performance_schema.threads WHERE NAME = 'thread/group_rpl/THD_autorejoin'"
)

// Group Replication's channels (manual 20.2.1.3, 20.5.4).
const (
	channelApplier  = "group_replication_applier"
	channelRecovery = "group_replication_recovery"
)

func (m *sqlInstance) Status(ctx context.Context) (*topology.MemberStatus, error) {
	st, err := m.readVariables(ctx)
	if err != nil {
		return nil, err
	}
	for _, read := range []func(context.Context, *topology.MemberStatus) error{
		m.readGroup, m.readChannels, m.readClone, m.readAutoRejoin,
	} {
		if err := read(ctx, st); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (m *sqlInstance) readVariables(ctx context.Context) (*topology.MemberStatus, error) {
	rows, err := m.r.Query(ctx, qVariables)
	if err != nil {
		return nil, fmt.Errorf("read server variables: %w", err)
	}
	if len(rows) != 1 || need(rows, 8, "server variables") != nil {
		return nil, fmt.Errorf("%w: server variables returned %d rows", ErrUnexpectedResult, len(rows))
	}
	r := rows[0]
	return &topology.MemberStatus{
		ServerUUID:     str(r[0]),
		GTIDExecuted:   normalizeGTID(str(r[1])),
		SuperReadOnly:  boolean(r[2]),
		Version:        str(r[3]),
		GTIDPurged:     normalizeGTID(str(r[4])),
		OfflineMode:    boolean(r[5]),
		BootstrapGroup: boolean(r[6]),
		ForceMembers:   str(r[7]),
		State:          topology.StateOffline,
	}, nil
}

func (m *sqlInstance) readGroup(ctx context.Context, st *topology.MemberStatus) error {
	rows, err := m.r.Query(ctx, qGroupMembers)
	if err != nil {
		return fmt.Errorf("read replication_group_members: %w", err)
	}
	if err := need(rows, 6, "replication_group_members"); err != nil {
		return err
	}
	for _, r := range rows {
		port, _ := strconv.Atoi(str(r[2]))
		gm := topology.GroupMember{UUID: str(r[0]), Host: str(r[1]), Port: port,
			State: topology.MemberState(str(r[3])), Role: topology.Role(str(r[4])), Version: str(r[5])}
		if gm.UUID == st.ServerUUID {
			st.State, st.Role = gm.State, gm.Role
		}
		// A member whose Group Replication is stopped lists itself alone as OFFLINE: that is no group.
		if gm.UUID != "" && gm.State != topology.StateOffline {
			st.Group = append(st.Group, gm)
		}
	}
	if st.State == topology.StateOffline {
		st.Role, st.Group = topology.RoleNone, nil
		return nil
	}
	return m.readMemberStats(ctx, st)
}

func (m *sqlInstance) readMemberStats(ctx context.Context, st *topology.MemberStatus) error {
	rows, err := m.r.Query(ctx, qMemberStats)
	if err != nil {
		return fmt.Errorf("read replication_group_member_stats: %w", err)
	}
	if err := need(rows, 3, "replication_group_member_stats"); err != nil {
		return err
	}
	if len(rows) == 1 {
		st.ViewID = str(rows[0][0])
		st.ApplierQueue, _ = strconv.ParseInt(str(rows[0][1]), 10, 64)
		st.CertifierQueue, _ = strconv.ParseInt(str(rows[0][2]), 10, 64)
	}
	return nil
}

// readChannels reads what the applier channel received (a member never drops a certified transaction it
// received, so it counts as the member's: manual 20.5.2) and the recovery channel's last error.
func (m *sqlInstance) readChannels(ctx context.Context, st *topology.MemberStatus) error {
	rows, err := m.optionalQuery(ctx, qChannels)
	if err != nil {
		return fmt.Errorf("read replication_connection_status: %w", err)
	}
	if err := need(rows, 3, "replication_connection_status"); err != nil {
		return err
	}
	for _, r := range rows {
		switch str(r[0]) {
		case channelApplier:
			st.GTIDReceived = normalizeGTID(str(r[1]))
		case channelRecovery:
			st.RecoveryError = str(r[2])
		}
	}
	return nil
}

func (m *sqlInstance) readClone(ctx context.Context, st *topology.MemberStatus) error {
	rows, err := m.optionalQuery(ctx, qClone)
	if err != nil {
		return fmt.Errorf("read clone_status: %w", err)
	}
	if err := need(rows, 2, "clone_status"); err != nil {
		return err
	}
	if len(rows) > 0 {
		st.Clone = topology.CloneStatus{State: topology.CloneState(str(rows[0][0])), Error: str(rows[0][1])}
	}
	return nil
}

func (m *sqlInstance) readAutoRejoin(ctx context.Context, st *topology.MemberStatus) error {
	rows, err := m.optionalQuery(ctx, qAutoRejoin)
	if err != nil {
		return fmt.Errorf("read threads: %w", err)
	}
	st.AutoRejoining = len(rows) > 0
	return nil
}

// optionalQuery runs a query on a performance_schema table that a server may lack (clone_status exists
// only while the clone plugin is loaded): no such table (ER_NO_SUCH_TABLE, 1146) reads as no rows.
func (m *sqlInstance) optionalQuery(ctx context.Context, stmt string) ([]Row, error) {
	rows, err := m.r.Query(ctx, stmt)
	if hasCode(err, codeNoSuchTable) {
		return nil, nil
	}
	return rows, err
}

// normalizeGTID drops the newlines MySQL puts into long GTID sets.
func normalizeGTID(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", ""), " ", "")
}

// boolean reads a boolean variable, which SELECT returns as 0/1 (or ON/OFF through some paths).
func boolean(p *string) bool {
	v := str(p)
	return v == "1" || strings.EqualFold(v, "ON")
}
