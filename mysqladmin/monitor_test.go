package mysqladmin

import (
	"context"
	"errors"
	"testing"
)

func TestReadMonitorServer(t *testing.T) {
	r := newRecorder().on(MonitorQueryServer, row("uuid-1", "g:1-5", "1", "8.4.3"))
	got, err := ReadMonitorServer(context.Background(), r)
	if err != nil || got != (MonitorServer{ServerUUID: "uuid-1", GTIDExecuted: "g:1-5", SuperReadOnly: true,
		Version: "8.4.3"}) {
		t.Fatalf("ReadMonitorServer = %+v, %v", got, err)
	}
	if _, err := ReadMonitorServer(context.Background(), newRecorder()); !errors.Is(err, ErrUnexpectedResult) {
		t.Fatalf("no row: %v", err)
	}
	failing := newRecorder().fail(MonitorQueryServer, errBoom)
	if _, err := ReadMonitorServer(context.Background(), failing); !errors.Is(err, errBoom) {
		t.Fatalf("query error not wrapped: %v", err)
	}
}

func TestReadMonitorGroup(t *testing.T) {
	r := newRecorder().
		on(MonitorQueryMembers, row("uuid-1", "db-0", "3306", "ONLINE", "PRIMARY", "8.4.3"),
			row("uuid-2", "db-1", "3306", "RECOVERING", "SECONDARY", "8.4.3")).
		on(MonitorQueryViewID, row("17000000000000000:3"))
	g, err := ReadMonitorGroup(context.Background(), r, "uuid-2")
	if err != nil || g.State != "RECOVERING" || g.Role != "SECONDARY" || g.ViewID != "17000000000000000:3" ||
		len(g.Members) != 2 || g.Members[0] != (MonitorMember{ID: "uuid-1", Host: "db-0", Port: 3306,
		State: "ONLINE", Role: "PRIMARY", Version: "8.4.3"}) {
		t.Fatalf("ReadMonitorGroup = %+v, %v", g, err)
	}
	// Group Replication stopped: the member lists itself OFFLINE and has no view.
	off := newRecorder().on(MonitorQueryMembers, row("uuid-1", "db-0", "3306", "OFFLINE", "", "8.4.3"))
	if g, err := ReadMonitorGroup(context.Background(), off, "uuid-1"); err != nil || g.State != "OFFLINE" ||
		g.ViewID != "" {
		t.Fatalf("offline member %+v, %v", g, err)
	}
	if _, err := ReadMonitorGroup(context.Background(), newRecorder(), "uuid-1"); !errors.Is(err, ErrNotInGroup) {
		t.Fatalf("member missing from its own table: %v", err)
	}
	bad := newRecorder().on(MonitorQueryMembers, row("uuid-1"))
	if _, err := ReadMonitorGroup(context.Background(), bad, "uuid-1"); !errors.Is(err, ErrUnexpectedResult) {
		t.Fatalf("short row: %v", err)
	}
}

// Status reads the group with the monitor's own statement: one text, not a copy.
func TestStatusSharesTheMonitorMembersStatement(t *testing.T) {
	if qGroupMembers != MonitorQueryMembers {
		t.Fatalf("status.go and monitor.go read replication_group_members with different statements")
	}
}
