package mysqladmin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/topology"
	"github.com/orca-operator/orca/xprotocol/wire"
)

const (
	u0 = "00000000-0000-0000-0000-000000000000"
	u1 = "00000000-0000-0000-0000-000000000001"
	gn = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
)

// vars is the server-variables row: uuid, executed, super_read_only, version, purged, offline_mode,
// bootstrap_group, force_members.
func vars(uuid, executed, sro, version, purged string) Row {
	return row(uuid, executed, sro, version, purged, "0", "0", "")
}

func TestStatusOnlineMember(t *testing.T) {
	r := newRecorder().
		on(qVariables, vars(u0, gn+":1-20,\n"+u0+":1-2", "1", "8.4.6", gn+":1-5")).
		on(qGroupMembers, row(u0, "db-0.db-instances", "3306", "ONLINE", "SECONDARY", "8.4.6"),
			row(u1, "db-1.db-instances", "3306", "ONLINE", "PRIMARY", "8.4.6")).
		on(qMemberStats, row("17000000000000000:3", "7", "4")).
		on(qChannels, row("group_replication_applier", gn+":21-23", ""),
			row("group_replication_recovery", "", "")).
		on(qClone, row("Completed", ""))
	st, err := New(r).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := topology.MemberStatus{
		ServerUUID: u0, GTIDExecuted: gn + ":1-20," + u0 + ":1-2", GTIDReceived: gn + ":21-23", GTIDPurged: gn + ":1-5",
		Version: "8.4.6", SuperReadOnly: true, ApplierQueue: 7, CertifierQueue: 4,
		Clone: topology.CloneStatus{State: topology.CloneCompleted},
		State: topology.StateOnline, Role: topology.RoleSecondary, ViewID: "17000000000000000:3",
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
	if !slices.Equal(r.stmts, []string{qVariables, qGroupMembers, qMemberStats, qChannels, qClone, qAutoRejoin}) {
		t.Errorf("statements:\n%s", r.transcript())
	}
}

func TestStatusOfflineMember(t *testing.T) {
	r := newRecorder().
		on(qVariables, row(u0, "", "0", "8.4.6-commercial", "", "1", "1", "db-0:3306")).
		on(qGroupMembers, row(u0, "db-0", "3306", "OFFLINE", "", "")).
		on(qChannels, row("group_replication_recovery", "", "Access denied for user 'orca_repl'@'10.0.0.7'")).
		on(qAutoRejoin, row("77"))
	st, err := New(r).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != topology.StateOffline || st.Role != topology.RoleNone || st.Group != nil || st.ViewID != "" ||
		st.SuperReadOnly || st.Version != "8.4.6-commercial" {
		t.Errorf("status %+v", *st)
	}
	if !st.OfflineMode || !st.BootstrapGroup || st.ForceMembers != "db-0:3306" || !st.AutoRejoining ||
		!strings.Contains(st.RecoveryError, "Access denied") {
		t.Errorf("leftovers, auto-rejoin or recovery error not read: %+v", *st)
	}
	if !slices.Equal(r.stmts, []string{qVariables, qGroupMembers, qChannels, qClone, qAutoRejoin}) {
		t.Errorf("statements:\n%s", r.transcript())
	}
}

func TestStatusWithoutOwnRow(t *testing.T) {
	// Group Replication never started: the table lists nothing for the member.
	r := newRecorder().on(qVariables, row(u0, "", "ON", "8.4.6", "", "OFF", "OFF", ""))
	st, err := New(r).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != topology.StateOffline || !st.SuperReadOnly || st.Group != nil || st.OfflineMode {
		t.Errorf("status %+v", *st)
	}
}

func TestStatusErrorMember(t *testing.T) {
	r := newRecorder().
		on(qVariables, vars(u0, gn+":1-9", "1", "8.4.6", "")).
		on(qGroupMembers, row(u0, "db-0", "NULL", "ERROR", "", "8.4.6")).
		on(qMemberStats, row("NULL", "NULL", "NULL"))
	st, err := New(r).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != topology.StateError || len(st.Group) != 1 || st.Group[0].Port != 0 || st.ViewID != "" {
		t.Errorf("status %+v", *st)
	}
	if !slices.Equal(r.stmts, []string{qVariables, qGroupMembers, qMemberStats, qChannels, qClone, qAutoRejoin}) {
		t.Errorf("statements:\n%s", r.transcript())
	}
}

func TestStatusWithoutClonePlugin(t *testing.T) {
	noTable := &wire.Error{Code: 1146, SQLState: "42S02", Msg: "Table 'performance_schema.clone_status' doesn't exist"}
	r := newRecorder().on(qVariables, vars(u0, "", "1", "8.4.6", "")).fail(qClone, noTable)
	st, err := New(r).Status(context.Background())
	if err != nil || st.Clone.State != topology.CloneNone {
		t.Fatalf("status %+v, %v", st, err)
	}
}

func TestStatusRejectsUnexpectedShapes(t *testing.T) {
	ok := vars(u0, "", "0", "8.4.6", "")
	cases := map[string]*recorder{
		"no variables row":    newRecorder(),
		"two variables rows":  newRecorder().on(qVariables, ok, ok),
		"short variables row": newRecorder().on(qVariables, row(u0, "", "0")),
		"short group members": newRecorder().on(qVariables, ok).on(qGroupMembers, row(u0, "h", "1")),
		"members query fails": newRecorder().on(qVariables, ok).fail(qGroupMembers, errBoom),
		"stats query fails": newRecorder().on(qVariables, ok).
			on(qGroupMembers, row(u0, "h", "1", "ONLINE", "PRIMARY", "8.4.6")).fail(qMemberStats, errBoom),
		"variables query fails": newRecorder().fail(qVariables, errBoom),
		"channels query fails":  newRecorder().on(qVariables, ok).fail(qChannels, errBoom),
		"short channel row":     newRecorder().on(qVariables, ok).on(qChannels, row("x")),
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
			return i.SetGroupSeeds(context.Background(), []string{"db-0.db-instances:3306", "db-1.db-instances:3306"})
		}, []string{
			"SET PERSIST group_replication_group_seeds = 'db-0.db-instances:3306,db-1.db-instances:3306'",
		}},
		{"force members", func(i Instance) error {
			return i.ForceMembers(context.Background(), []string{"db-0.db-instances:3306"})
		}, []string{
			"SET GLOBAL group_replication_force_members = 'db-0.db-instances:3306'",
			"SET GLOBAL group_replication_force_members = ''",
		}},
		{"switchover", func(i Instance) error { return i.SetPrimary(context.Background(), u1, 10*time.Second) },
			[]string{"SELECT group_replication_set_as_primary('" + u1 + "', 10)"}},
		{"local replication user", func(i Instance) error {
			return i.EnsureLocalReplicationUser(context.Background(), repl)
		}, []string{
			"SET SESSION sql_log_bin = 0",
			"SET GLOBAL super_read_only = OFF",
			"CREATE USER IF NOT EXISTS 'orca_repl'@'%' IDENTIFIED BY 's3cret'",
			"ALTER USER 'orca_repl'@'%' IDENTIFIED BY 's3cret'",
			"GRANT REPLICATION SLAVE, CONNECTION_ADMIN, BACKUP_ADMIN, GROUP_REPLICATION_STREAM ON *.* TO 'orca_repl'@'%'",
			"SET GLOBAL super_read_only = ON",
			"SET SESSION sql_log_bin = 1",
		}},
		{"password", func(i Instance) error {
			return i.SetPassword(context.Background(), "root", []string{"%", "localhost"}, "n3w")
		}, []string{
			"ALTER USER IF EXISTS 'root'@'%' IDENTIFIED BY 'n3w'",
			"ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED BY 'n3w'",
		}},
		{"router user", func(i Instance) error {
			return i.EnsureRouterUser(context.Background(), Account{User: "orca_router", Password: "r"})
		}, []string{
			"CREATE USER IF NOT EXISTS 'orca_router'@'%' IDENTIFIED BY 'r'",
			"ALTER USER 'orca_router'@'%' IDENTIFIED BY 'r'",
			"GRANT SELECT ON performance_schema.replication_group_members TO 'orca_router'@'%'",
			"GRANT SELECT ON performance_schema.replication_group_member_stats TO 'orca_router'@'%'",
		}},
		{"persist read-only", func(i Instance) error { return i.PersistSuperReadOnly(context.Background()) },
			[]string{"SET PERSIST super_read_only = ON"}},
		{"lift read-only", func(i Instance) error { return i.LiftSuperReadOnly(context.Background()) },
			[]string{"SET GLOBAL super_read_only = OFF"}},
		{"reset one-shot", func(i Instance) error { return i.ResetOneShot(context.Background()) }, []string{
			"SET GLOBAL group_replication_bootstrap_group = OFF",
			"SET GLOBAL group_replication_force_members = ''",
		}},
		{"offline mode", func(i Instance) error { return i.ClearOfflineMode(context.Background()) },
			[]string{"SET GLOBAL offline_mode = OFF"}},
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
			"CLONE INSTANCE FROM 'orca_repl'@'db-1.db-instances':3306 IDENTIFIED BY 's3cret' REQUIRE SSL",
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
	r := newRecorder().fail(start, &wire.Error{Code: 3092, SQLState: "HY000",
		Msg: "The server is not configured properly"})
	err := New(r).BootstrapGroup(context.Background(), repl)
	var xe *wire.Error
	if !errors.As(err, &xe) || xe.Code != 3092 {
		t.Fatalf("error %v should keep the server error", err)
	}
	if r.stmts[len(r.stmts)-1] != "SET GLOBAL group_replication_bootstrap_group = OFF" {
		t.Errorf("bootstrap flag left on:\n%s", r.transcript())
	}
}

func TestLocalUserRestoresReadOnlyAndBinlog(t *testing.T) {
	repl := Account{User: "orca_repl", Password: "s3cret"}
	r := newRecorder().fail("ALTER USER 'orca_repl'@'%' IDENTIFIED BY 's3cret'", errBoom)
	if err := New(r).EnsureLocalReplicationUser(context.Background(), repl); !errors.Is(err, errBoom) {
		t.Fatalf("error %v", err)
	}
	n := len(r.stmts)
	if r.stmts[n-2] != "SET GLOBAL super_read_only = ON" || r.stmts[n-1] != "SET SESSION sql_log_bin = 1" {
		t.Errorf("super_read_only or the binary log not restored after a failure:\n%s", r.transcript())
	}
}

func TestForceMembersAlwaysClears(t *testing.T) {
	r := newRecorder().fail("SET GLOBAL group_replication_force_members = 'db-0:3306'", errBoom)
	if err := New(r).ForceMembers(context.Background(), []string{"db-0:3306"}); !errors.Is(err, errBoom) {
		t.Fatalf("error %v", err)
	}
	if r.stmts[len(r.stmts)-1] != "SET GLOBAL group_replication_force_members = ''" {
		t.Errorf("force_members left set:\n%s", r.transcript())
	}
}

func TestCloneOutcomes(t *testing.T) {
	repl := Account{User: "orca_repl", Password: "s3cret"}
	clone := "CLONE INSTANCE FROM 'orca_repl'@'db-1':3306 IDENTIFIED BY 's3cret' REQUIRE SSL"
	restarting := newRecorder().fail(clone, fmt.Errorf("%w: read: connection reset", ErrUnreachable))
	err := New(restarting).CloneFrom(context.Background(), "db-1", 3306, repl)
	if !errors.Is(err, ErrCloneUnfinished) {
		t.Errorf("a dropped connection during CLONE proves nothing (clone_status tells): %v", err)
	}
	unsupervised := newRecorder().fail(clone, &wire.Error{Code: 3707, SQLState: "HY000",
		Msg: "Restart server failed (mysqld is not managed by supervisor process)."})
	if err := New(unsupervised).CloneFrom(context.Background(), "db-1", 3306, repl); !errors.Is(err, ErrRestartNeeded) {
		t.Errorf("3707 should be ErrRestartNeeded, got %v", err)
	}
	refused := newRecorder().fail(clone, &wire.Error{Code: 3869, SQLState: "HY000",
		Msg: "Clone system configuration: db-1:3306 is not found in clone_valid_donor_list"})
	err = New(refused).CloneFrom(context.Background(), "db-1", 3306, repl)
	var xe *wire.Error
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
		"SetPrimary":            u.SetPrimary(ctx, u0, time.Second),
		"ClearOfflineMode":      u.ClearOfflineMode(ctx),
		"ResetOneShot":          u.ResetOneShot(ctx),
		"PersistSuperReadOnly":  u.PersistSuperReadOnly(ctx),
		"SetPassword":           u.SetPassword(ctx, "root", []string{"%"}, "x"),
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
