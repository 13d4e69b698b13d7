package mysqladmin

import (
	"context"
	"fmt"
	"strconv"

	"github.com/orca-operator/orca/xprotocol"
)

// The monitor statements: what `orca router` reads from every member on its X Protocol health session
// (xprotocol/probe with ObserveX) and what the loop's status reads share. They are MySQL 8.4's exact surface
// and all that the router's account (EnsureRouterUser: SELECT on the two tables) may read; system variables
// are readable by anyone.
const (
	MonitorQueryServer  = "SELECT @@server_uuid, @@gtid_executed, @@super_read_only, @@version"
	MonitorQueryMembers = "SELECT MEMBER_ID, MEMBER_HOST, MEMBER_PORT, MEMBER_STATE, MEMBER_ROLE, MEMBER_VERSION " +
		"FROM performance_schema.replication_group_members"
	MonitorQueryViewID = "SELECT VIEW_ID FROM performance_schema.replication_group_member_stats " +
		"WHERE MEMBER_ID = @@server_uuid"
)

// MonitorServer is a member's identity and read mode (MonitorQueryServer).
type MonitorServer struct {
	ServerUUID    string
	GTIDExecuted  string
	SuperReadOnly bool
	Version       string
}

// MonitorMember is one row of performance_schema.replication_group_members, as the member sees it.
type MonitorMember struct {
	ID, Host    string
	Port        int
	State, Role string
	Version     string
}

// MonitorGroup is the group as one member sees it (MonitorQueryMembers, MonitorQueryViewID).
type MonitorGroup struct {
	// State and Role are the member's own row ("" when it does not list itself).
	State, Role string
	// ViewID is the member's current view ("" when Group Replication is not running).
	ViewID string
	// Members are every row, the member's own included, in the server's order.
	Members []MonitorMember
}

// ReadMonitorServer runs MonitorQueryServer.
func ReadMonitorServer(ctx context.Context, r Runner) (MonitorServer, error) {
	rows, err := r.Query(ctx, MonitorQueryServer)
	if err != nil {
		return MonitorServer{}, fmt.Errorf("read server variables: %w", err)
	}
	if len(rows) != 1 || len(rows[0]) < 4 {
		return MonitorServer{}, fmt.Errorf("%w: server variables returned %d rows", ErrUnexpectedResult, len(rows))
	}
	row := rows[0]
	return MonitorServer{ServerUUID: str(row[0]), GTIDExecuted: str(row[1]), SuperReadOnly: boolean(row[2]),
		Version: str(row[3])}, nil
}

// ReadMonitorGroup runs MonitorQueryMembers and MonitorQueryViewID on the member whose server_uuid is
// uuid. What was read is returned with the error; a member that does not list itself gives ErrNotInGroup.
func ReadMonitorGroup(ctx context.Context, r Runner, uuid string) (MonitorGroup, error) {
	var g MonitorGroup
	rows, err := r.Query(ctx, MonitorQueryMembers)
	if err != nil {
		return g, fmt.Errorf("read replication_group_members: %w", err)
	}
	if err := need(rows, 6, "replication_group_members"); err != nil {
		return g, err
	}
	for _, row := range rows {
		port, _ := strconv.Atoi(str(row[2]))
		m := MonitorMember{ID: str(row[0]), Host: str(row[1]), Port: port, State: str(row[3]), Role: str(row[4]),
			Version: str(row[5])}
		g.Members = append(g.Members, m)
		if m.ID == uuid {
			g.State, g.Role = m.State, m.Role
		}
	}
	view, err := r.Query(ctx, MonitorQueryViewID)
	if err != nil {
		return g, fmt.Errorf("read replication_group_member_stats: %w", err)
	}
	if len(view) > 0 && len(view[0]) > 0 {
		g.ViewID = str(view[0][0])
	}
	if g.State == "" {
		return g, ErrNotInGroup
	}
	return g, nil
}

// MonitorObservation is what the monitor statements read from one member: its identity (ServerRead says
// MonitorQueryServer answered) and the group as it sees it.
type MonitorObservation struct {
	MonitorServer
	MonitorGroup
	ServerRead bool
}

// ReadMonitor runs the three monitor statements; what was read is returned with the first error
// (ErrNotInGroup for a member that does not list itself).
func ReadMonitor(ctx context.Context, r Runner) (MonitorObservation, error) {
	var o MonitorObservation
	var err error
	if o.MonitorServer, err = ReadMonitorServer(ctx, r); err != nil {
		return o, err
	}
	o.ServerRead = true
	o.MonitorGroup, err = ReadMonitorGroup(ctx, r, o.ServerUUID)
	return o, err
}

// ObserveX is ReadMonitor on an X Protocol session: the Observe hook of an xprotocol/probe Prober.
func ObserveX(ctx context.Context, s *xprotocol.Session) (MonitorObservation, error) {
	return ReadMonitor(ctx, XRunner{S: s})
}
