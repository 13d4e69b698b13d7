package mysqladmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/orca-operator/orca/topology"
	"github.com/orca-operator/orca/xprotocol"
)

const (
	qVars    = "SELECT @@server_uuid, @@gtid_executed, @@super_read_only, @@version"
	qPurged  = "SELECT @@gtid_purged"
	qMembers = "SELECT MEMBER_ID, MEMBER_HOST, MEMBER_PORT, MEMBER_STATE, MEMBER_ROLE, MEMBER_VERSION FROM performance_schema.replication_group_members"
	qView    = "SELECT VIEW_ID FROM performance_schema.replication_group_member_stats WHERE MEMBER_ID = @@server_uuid"

	u0 = "00000000-0000-0000-0000-000000000000"
	u1 = "00000000-0000-0000-0000-000000000001"
	gn = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
)

func TestStatusOnlineMember(t *testing.T) {
	r := newRecorder().
		on(qVars, row(u0, gn+":1-20,\n"+u0+":1-2", "1", "8.4.6")).
		on(qPurged, row(gn+":1-5")).
		on(qMembers, row(u0, "db-0.db-instances", "3306", "ONLINE", "SECONDARY", "8.4.6"),
			row(u1, "db-1.db-instances", "3306", "ONLINE", "PRIMARY", "8.4.6")).
		on(qView, row("17000000000000000:3"))
	st, err := New(r).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := topology.MemberStatus{
		ServerUUID: u0, GTIDExecuted: gn + ":1-20," + u0 + ":1-2", GTIDPurged: gn + ":1-5", Version: "8.4.6",
		SuperReadOnly: true, State: topology.StateOnline, Role: topology.RoleSecondary, ViewID: "17000000000000000:3",
		Group: []topology.GroupMember{
			{UUID: u0, Host: "db-0.db-instances", Port: 3306, State: topology.StateOnline, Role: topology.RoleSecondary,
				Version: "8.4.6"},
			{UUID: u1, Host: "db-1.db-instances", Port: 3306, State: topology.StateOnline, Role: topology.RolePrimary,
				Version: "8.4.6"},
		},
	}
	if fmt.Sprintf("%+v", *st) != fmt.Sprintf("%+v", want) {
		t.Errorf("status\n got  %+v\n want %+v", *st, want)
	}
	if !slices.Equal(r.stmts, []string{qVars, qPurged, qMembers, qView}) {
		t.Errorf("statements:\n%s", r.transcript())
	}
}

func TestStatusOfflineMember(t *testing.T) {
	r := newRecorder().
		on(qVars, row(u0, "", "0", "8.4.6-commercial")).
		on(qPurged, row("")).
		on(qMembers, row(u0, "db-0", "3306", "OFFLINE", "", ""))
	st, err := New(r).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != topology.StateOffline || st.Role != topology.RoleNone || st.Group != nil || st.ViewID != "" ||
		st.SuperReadOnly || st.Version != "8.4.6-commercial" {
		t.Errorf("status %+v", *st)
	}
	if !slices.Equal(r.stmts, []string{qVars, qPurged, qMembers}) {
		t.Errorf("statements:\n%s", r.transcript())
	}
}

func TestStatusWithoutOwnRow(t *testing.T) {
	// Group Replication never started: the table lists nothing for the member.
	r := newRecorder().on(qVars, row(u0, "", "ON", "8.4.6"))
	st, err := New(r).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != topology.StateOffline || !st.SuperReadOnly || st.Group != nil {
		t.Errorf("status %+v", *st)
	}
}

func TestStatusErrorMember(t *testing.T) {
	r := newRecorder().
		on(qVars, row(u0, gn+":1-9", "1", "8.4.6")).
		on(qMembers, row(u0, "db-0", "NULL", "ERROR", "", "8.4.6")).
		on(qView, row("NULL"))
	st, err := New(r).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != topology.StateError || len(st.Group) != 1 || st.Group[0].Port != 0 || st.ViewID != "" {
		t.Errorf("status %+v", *st)
	}
	if !slices.Equal(r.stmts, []string{qVars, qPurged, qMembers, qView}) {
		t.Errorf("statements:\n%s", r.transcript())
	}
}

func TestStatusRejectsUnexpectedShapes(t *testing.T) {
	cases := map[string]*recorder{
		"no variables row":    newRecorder(),
		"two variables rows":  newRecorder().on(qVars, row(u0, "", "0", "8.4.6"), row(u1, "", "0", "8.4.6")),
		"short variables row": newRecorder().on(qVars, row(u0, "", "0")),
		"short group members": newRecorder().on(qVars, row(u0, "", "0", "8.4.6")).on(qMembers, row(u0, "h", "1")),
		"members query fails": newRecorder().on(qVars, row(u0, "", "0", "8.4.6")).fail(qMembers, errBoom),
		"view query fails": newRecorder().on(qVars, row(u0, "", "0", "8.4.6")).
			on(qMembers, row(u0, "h", "1", "ONLINE", "PRIMARY", "8.4.6")).fail(qView, errBoom),
		"variables query fails": newRecorder().fail(qVars, errBoom),
	}
	for name, r := range cases {
		_, err := New(r).Status(context.Background())
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !errors.Is(err, ErrUnexpectedResult) && !errors.Is(err, errBoom) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestStatementsRunVerbatim pins the exact SQL of every method: these strings are the audit surface
// docs/topology.md cites.
func TestStatementsRunVerbatim(t *testing.T) {
	repl := Account{User: "orca_repl", Password: "s3cret"}
	cases := []struct {
		name string
		call func(Instance) error
		want []string
	}{
		{"bootstrap", func(i Instance) error { return i.BootstrapGroup(context.Background(), repl) }, []string{
			"SET GLOBAL group_replication_bootstrap_group = ON",
			"START GROUP_REPLICATION USER = 'orca_repl', PASSWORD = 's3cret'",
			"SET GLOBAL group_replication_bootstrap_group = OFF",
		}},
		{"join", func(i Instance) error { return i.StartGroupReplication(context.Background(), repl) }, []string{
			"START GROUP_REPLICATION USER = 'orca_repl', PASSWORD = 's3cret'",
		}},
		{"stop", func(i Instance) error { return i.StopGroupReplication(context.Background()) }, []string{
			"STOP GROUP_REPLICATION",
		}},
		{"seeds", func(i Instance) error {
			return i.SetGroupSeeds(context.Background(), []string{"db-0.db-instances:33061", "db-1.db-instances:33061"})
		}, []string{
			"SET PERSIST group_replication_group_seeds = 'db-0.db-instances:33061,db-1.db-instances:33061'",
		}},
		{"force members", func(i Instance) error {
			return i.ForceMembers(context.Background(), []string{"db-0.db-instances:33061"})
		}, []string{
			"SET GLOBAL group_replication_force_members = 'db-0.db-instances:33061'",
			"SET GLOBAL group_replication_force_members = ''",
		}},
		{"switchover", func(i Instance) error { return i.SetPrimary(context.Background(), u1) }, []string{
			"SELECT group_replication_set_as_primary('" + u1 + "')",
		}},
		{"replication user", func(i Instance) error { return i.EnsureReplicationUser(context.Background(), repl) },
			[]string{
				"CREATE USER IF NOT EXISTS 'orca_repl'@'%' IDENTIFIED BY 's3cret'",
				"ALTER USER 'orca_repl'@'%' IDENTIFIED BY 's3cret'",
				"GRANT REPLICATION SLAVE, CONNECTION_ADMIN, BACKUP_ADMIN, GROUP_REPLICATION_STREAM ON *.* TO 'orca_repl'@'%'",
			}},
		{"clone", func(i Instance) error {
			return i.CloneFrom(context.Background(), "db-1.db-instances", 3306, repl)
		}, []string{
			"SET GLOBAL clone_valid_donor_list = 'db-1.db-instances:3306'",
			"CLONE INSTANCE FROM 'orca_repl'@'db-1.db-instances':3306 IDENTIFIED BY 's3cret'",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRecorder()
			if err := c.call(New(r)); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.stmts, c.want) {
				t.Errorf("got:\n%s\nwant:\n%s", r.transcript(), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestBootstrapAlwaysSwitchesBootstrapOff(t *testing.T) {
	repl := Account{User: "orca_repl", Password: "s3cret"}
	start := "START GROUP_REPLICATION USER = 'orca_repl', PASSWORD = 's3cret'"
	r := newRecorder().fail(start, &xprotocol.Error{Code: 3092, SQLState: "HY000", Msg: "The server is not configured properly"})
	err := New(r).BootstrapGroup(context.Background(), repl)
	var xe *xprotocol.Error
	if !errors.As(err, &xe) || xe.Code != 3092 {
		t.Fatalf("error %v should keep the server error", err)
	}
	if r.stmts[len(r.stmts)-1] != "SET GLOBAL group_replication_bootstrap_group = OFF" {
		t.Errorf("bootstrap flag left on:\n%s", r.transcript())
	}
}

func TestCloneOutcomes(t *testing.T) {
	repl := Account{User: "orca_repl", Password: "s3cret"}
	clone := "CLONE INSTANCE FROM 'orca_repl'@'db-1':3306 IDENTIFIED BY 's3cret'"
	restarting := newRecorder().fail(clone, fmt.Errorf("%w: read: connection reset", ErrUnreachable))
	if err := New(restarting).CloneFrom(context.Background(), "db-1", 3306, repl); err != nil {
		t.Errorf("a dropped connection after CLONE is the restart: %v", err)
	}
	unsupervised := newRecorder().fail(clone, &xprotocol.Error{Code: 3707, SQLState: "HY000",
		Msg: "Restart server failed (mysqld is not managed by supervisor process)."})
	if err := New(unsupervised).CloneFrom(context.Background(), "db-1", 3306, repl); !errors.Is(err, ErrRestartNeeded) {
		t.Errorf("3707 should be ErrRestartNeeded, got %v", err)
	}
	refused := newRecorder().fail(clone, &xprotocol.Error{Code: 3869, SQLState: "HY000",
		Msg: "Clone system configuration: db-1:3306 is not found in clone_valid_donor_list"})
	err := New(refused).CloneFrom(context.Background(), "db-1", 3306, repl)
	var xe *xprotocol.Error
	if !errors.As(err, &xe) || xe.Code != 3869 || !strings.Contains(err.Error(), "clone from db-1:3306") {
		t.Errorf("clone error %v", err)
	}
}

func TestUnreachableRefusesEverything(t *testing.T) {
	u := Unreachable{Err: errBoom}
	ctx := context.Background()
	calls := map[string]error{
		"EnsureReplicationUser": u.EnsureReplicationUser(ctx, Account{}),
		"SetGroupSeeds":         u.SetGroupSeeds(ctx, nil),
		"BootstrapGroup":        u.BootstrapGroup(ctx, Account{}),
		"StartGroupReplication": u.StartGroupReplication(ctx, Account{}),
		"StopGroupReplication":  u.StopGroupReplication(ctx),
		"ForceMembers":          u.ForceMembers(ctx, nil),
		"CloneFrom":             u.CloneFrom(ctx, "h", 1, Account{}),
		"SetPrimary":            u.SetPrimary(ctx, u0),
	}
	_, calls["Status"] = u.Status(ctx)
	for name, err := range calls {
		if !errors.Is(err, ErrUnreachable) || !errors.Is(err, errBoom) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := u.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
