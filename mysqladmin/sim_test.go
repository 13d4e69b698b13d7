package mysqladmin_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/test/admintest"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/topology"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// orcaOptions is the my.cnf Orca renders plus what `orca init` writes: the simulator refuses unknown options
// at boot, as mysqld does.
func orcaOptions(t *testing.T, ordinal int) map[string]string {
	t.Helper()
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns"}}
	c.SetDefaults()
	return admintest.OptionsFromMyCnf(specs.RenderMyCnf(c, "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"),
		specs.RenderMemberCnf(1000, ordinal, memberHost(ordinal)))
}

func memberHost(i int) string { return fmt.Sprintf("db-%d.db-instances.ns.svc.cluster.local", i) }

type simCluster struct {
	g         *mysqlsim.Group
	members   []*mysqlsim.Member
	instances []mysqladmin.Instance
}

var repl = mysqladmin.Account{User: "orca_repl", Password: "r3pl-'quote\\-Pass"}

func newSimCluster(t *testing.T, n int) *simCluster {
	t.Helper()
	g, err := mysqlsim.NewGroup(mysqlsim.Config{Second: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	sc := &simCluster{g: g}
	for i := 0; i < n; i++ {
		m, err := g.AddMember(mysqlsim.MemberConfig{Name: fmt.Sprintf("db-%d", i), Host: memberHost(i),
			Version: "8.4.3", Options: orcaOptions(t, i), RootPassword: "root-pw"})
		if err != nil {
			t.Fatalf("boot member %d with Orca's my.cnf: %v", i, err)
		}
		s, err := m.RootSession()
		if err != nil {
			t.Fatal(err)
		}
		sc.members = append(sc.members, m)
		sc.instances = append(sc.instances, mysqladmin.New(admintest.Runner{M: m, S: s}))
	}
	return sc
}

func (sc *simCluster) seeds() []string {
	var out []string
	for i := range sc.members {
		out = append(out, memberHost(i)+":3306")
	}
	return out
}

func waitStatus(t *testing.T, in mysqladmin.Instance, cond func(*topology.MemberStatus) bool) *topology.MemberStatus {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := in.Status(context.Background())
		if err == nil && cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("status not reached: %+v %v", st, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func online(st *topology.MemberStatus) bool { return st.State == topology.StateOnline }

func TestBootstrapJoinSwitchoverOnSimulator(t *testing.T) {
	ctx := context.Background()
	sc := newSimCluster(t, 3)
	first := sc.instances[0]
	st, err := first.Status(ctx)
	if err != nil || st.State != topology.StateOffline || len(st.Group) != 0 || st.ServerUUID == "" {
		t.Fatalf("fresh member status %+v %v", st, err)
	}
	if err := first.EnsureReplicationUser(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if err := first.EnsureReplicationUser(ctx, repl); err != nil {
		t.Fatalf("EnsureReplicationUser is not idempotent: %v", err)
	}
	for _, in := range sc.instances {
		if err := in.SetGroupSeeds(ctx, sc.seeds()); err != nil {
			t.Fatal(err)
		}
	}
	if err := first.BootstrapGroup(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if v, _ := sc.members[0].Var("group_replication_bootstrap_group"); v != "OFF" {
		t.Fatalf("bootstrap flag left %q", v)
	}
	st = waitStatus(t, first, online)
	if st.Role != topology.RolePrimary || st.ViewID == "" || len(st.Group) != 1 {
		t.Fatalf("after bootstrap %+v", st)
	}
	for _, in := range sc.instances[1:] {
		// The MySQL communication stack authenticates the members connecting to a joiner with its own copy of
		// the recovery account.
		if err := in.EnsureLocalReplicationUser(ctx, repl); err != nil {
			t.Fatal(err)
		}
		if err := in.StartGroupReplication(ctx, repl); err != nil {
			t.Fatal(err)
		}
	}
	for _, in := range sc.instances {
		st = waitStatus(t, in, func(s *topology.MemberStatus) bool { return online(s) && len(s.Group) == 3 })
	}
	if st.Role != topology.RoleSecondary || !st.SuperReadOnly || st.GTIDExecuted == "" {
		t.Fatalf("secondary status %+v", st)
	}
	target := sc.members[2].UUID()
	if err := first.SetPrimary(ctx, target, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, sc.instances[2], func(s *topology.MemberStatus) bool { return s.Role == topology.RolePrimary })
	if err := sc.instances[1].StopGroupReplication(ctx); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, sc.instances[1], func(s *topology.MemberStatus) bool {
		return s.State == topology.StateOffline && len(s.Group) == 0 && s.Role == topology.RoleNone
	})
}

func TestForceMembersAndErrorsOnSimulator(t *testing.T) {
	ctx := context.Background()
	sc := newSimCluster(t, 3)
	for _, in := range sc.instances {
		if err := in.SetGroupSeeds(ctx, sc.seeds()); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.instances[0].EnsureReplicationUser(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if err := sc.instances[0].BootstrapGroup(ctx, repl); err != nil {
		t.Fatal(err)
	}
	for _, in := range sc.instances[1:] {
		if err := in.EnsureLocalReplicationUser(ctx, repl); err != nil {
			t.Fatal(err)
		}
		if err := in.StartGroupReplication(ctx, repl); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, in, online)
	}
	// Two of three isolated: the survivor has no quorum until forced.
	sc.members[1].Isolate()
	sc.members[2].Isolate()
	waitStatus(t, sc.instances[0], func(s *topology.MemberStatus) bool {
		unreachable := 0
		for _, g := range s.Group {
			if g.State == topology.StateUnreachable {
				unreachable++
			}
		}
		return unreachable == 2
	})
	if sc.members[0].HasQuorum() {
		t.Fatal("a member that lost 2 of 3 still has quorum")
	}
	if err := sc.instances[0].ForceMembers(ctx, []string{memberHost(0) + ":3306"}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, sc.instances[0], func(s *topology.MemberStatus) bool { return online(s) && len(s.Group) == 1 })
	if !sc.members[0].HasQuorum() {
		t.Fatal("force members did not restore quorum")
	}
	// Joining twice is refused by the server with its error, and the password never shows in it.
	err := sc.instances[0].StartGroupReplication(ctx, repl)
	if err == nil {
		t.Fatal("START GROUP_REPLICATION on a running member succeeded")
	}
	if strings.Contains(err.Error(), repl.Password) {
		t.Fatalf("error leaks the password: %v", err)
	}
	var xe *wire.Error
	if !errors.As(err, &xe) || xe.Code != 3093 {
		t.Fatalf("error %v does not wrap the server's error (3093, already running)", err)
	}
}

// The operator's account is created on the bootstrap member, reaches every joiner through distributed
// recovery, and its privileges are enough for everything the operator does; it cannot do what it was not
// granted (the simulator enforces MySQL's privilege checks).
func TestAdminAccountIsEnoughOnSimulator(t *testing.T) {
	ctx := context.Background()
	sc := newSimCluster(t, 3)
	admin := mysqladmin.Account{User: "orca_admin", Password: "adm1n-Pw"}
	for _, in := range sc.instances {
		if err := in.SetGroupSeeds(ctx, sc.seeds()); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.instances[0].EnsureAdminUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := sc.instances[0].EnsureReplicationUser(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if err := sc.instances[0].BootstrapGroup(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if err := sc.instances[1].EnsureLocalReplicationUser(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if err := sc.instances[1].StartGroupReplication(ctx, repl); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, sc.instances[1], online)
	// From here on, only the operator's account, on a member that got it through recovery.
	s, err := sc.members[1].NewSession(admin.User, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if acct, ok := sc.members[1].LookupAccount(admin.User, "127.0.0.1"); !ok || acct.Password != admin.Password {
		t.Fatal("the operator's account did not reach the joiner")
	}
	op := mysqladmin.New(admintest.Runner{M: sc.members[1], S: s})
	st, err := op.Status(ctx)
	if err != nil || st.State != topology.StateOnline {
		t.Fatalf("status as the operator's account: %+v %v", st, err)
	}
	if err := op.SetGroupSeeds(ctx, sc.seeds()); err != nil {
		t.Fatal(err)
	}
	if err := op.SetPrimary(ctx, sc.members[1].UUID(), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, op, func(s *topology.MemberStatus) bool { return s.Role == topology.RolePrimary })
	// Account changes run on the primary (secondaries are super_read_only).
	if err := op.EnsureReplicationUser(ctx, repl); err != nil {
		t.Fatalf("re-keying the recovery account: %v", err)
	}
	// Root (which holds SYSTEM_USER) may only be changed by an account that holds it too.
	if err := op.SetPassword(ctx, "root", []string{"%", "localhost"}, "root-pw"); err != nil {
		t.Fatalf("rotating root's password: %v", err)
	}
	if err := op.StopGroupReplication(ctx); err != nil {
		t.Fatal(err)
	}
	// Everything the executor runs before a START, as the operator's account.
	for name, call := range map[string]func(context.Context) error{
		"reset one-shot":       op.ResetOneShot,
		"persist read-only":    op.PersistSuperReadOnly,
		"local recovery user":  func(ctx context.Context) error { return op.EnsureLocalReplicationUser(ctx, repl) },
		"clear offline mode":   op.ClearOfflineMode,
		"lift super_read_only": op.LiftSuperReadOnly,
	} {
		if err := call(ctx); err != nil {
			t.Fatalf("%s as the operator's account: %v", name, err)
		}
	}
	if err := op.PersistSuperReadOnly(ctx); err != nil {
		t.Fatal(err)
	}
	if err := op.StartGroupReplication(ctx, repl); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, op, online)
	runner := admintest.Runner{M: sc.members[1], S: s}
	if err := runner.Exec(ctx, "SHUTDOWN"); err == nil {
		t.Fatal("the operator's account may SHUTDOWN a member: it has more privileges than it needs")
	}
}

// The router's account reads the group's membership, as the health prober does, and nothing else.
func TestRouterAccountReadsOnlyTheGroupOnSimulator(t *testing.T) {
	ctx := context.Background()
	sc := newSimCluster(t, 1)
	router := mysqladmin.Account{User: "orca_router", Password: "r0uter-Pw"}
	if err := sc.instances[0].EnsureRouterUser(ctx, router); err != nil {
		t.Fatal(err)
	}
	if err := sc.instances[0].EnsureRouterUser(ctx, router); err != nil {
		t.Fatalf("EnsureRouterUser is not idempotent: %v", err)
	}
	if err := sc.instances[0].EnsureReplicationUser(ctx, repl); err != nil {
		t.Fatal(err)
	}
	if err := sc.instances[0].SetGroupSeeds(ctx, sc.seeds()); err != nil {
		t.Fatal(err)
	}
	if err := sc.instances[0].BootstrapGroup(ctx, repl); err != nil {
		t.Fatal(err)
	}
	s, err := sc.members[0].NewSession(router.User, "10.0.0.9")
	if err != nil {
		t.Fatal(err)
	}
	runner := admintest.Runner{M: sc.members[0], S: s}
	for _, q := range []string{mysqladmin.MonitorQueryServer, mysqladmin.MonitorQueryMembers, mysqladmin.MonitorQueryViewID} {
		if _, err := runner.Query(ctx, q); err != nil {
			t.Errorf("the router cannot run %q: %v", q, err)
		}
	}
	for _, q := range []string{"SELECT STATE FROM performance_schema.clone_status",
		"CREATE USER 'x'@'%' IDENTIFIED BY 'y'", "SET GLOBAL offline_mode = ON"} {
		if _, err := runner.Query(ctx, q); err == nil {
			t.Errorf("the router's account may run %q", q)
		}
	}
}
