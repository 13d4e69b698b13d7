package mysqladmin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/clustering"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/test/admintest"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/topology"
)

// This file drives simulated MySQL 8.4 members the way the operator's loop does, but with nothing in
// between: observe every member through mysqladmin, ask topology, run the first action through mysqladmin,
// repeat. It checks that topology's decisions hold on Group Replication's behaviour (the simulator's
// model of it) and that the SQL of every action is accepted.

// scenario is a simulated cluster plus the requests the "user" has made.
type scenario struct {
	t         *testing.T
	g         *mysqlsim.Group
	members   []*mysqlsim.Member
	instances int
	requests  topology.Requests
	bootstrap bool // the status field the operator would keep: a group was bootstrapped once
	ran       []string
	connector *admintest.Connector
}

var scenarioRepl = mysqladmin.Account{User: "orca_repl", Password: "Repl-pa'ss\\word"}

func scenarioHost(i int) string { return fmt.Sprintf("db-%d.db-instances.ns.svc", i) }

func newScenario(t *testing.T, n int) *scenario {
	t.Helper()
	g, err := mysqlsim.NewGroup(mysqlsim.Config{Second: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "ns"}}
	c.SetDefaults()
	sc := &scenario{t: t, g: g, instances: n, connector: &admintest.Connector{}}
	for i := range n {
		opts := cnfOptions(specs.RenderMyCnf(c, "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa") +
			specs.RenderMemberCnf(1000, i, scenarioHost(i)))
		m, err := g.AddMember(mysqlsim.MemberConfig{Name: fmt.Sprintf("db-%d", i), Host: scenarioHost(i),
			Options: opts, RootPassword: "root-pw"})
		if err != nil {
			t.Fatalf("boot db-%d: %v", i, err)
		}
		sc.members = append(sc.members, m)
		sc.connector.Add(m)
	}
	return sc
}

// cnfOptions reads my.cnf text into the simulator's options; a repeated option accumulates.
func cnfOptions(cnf string) map[string]string {
	opts := map[string]string{}
	for _, line := range strings.Split(cnf, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == '[' {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		if prev, ok := opts[k]; ok {
			v = prev + "," + v
		}
		opts[k] = v
	}
	return opts
}

// instance opens a fresh admin session, as the operator does each pass.
func (sc *scenario) instance(i int) (mysqladmin.Instance, error) {
	m := sc.members[i]
	if !m.Up() {
		return nil, fmt.Errorf("%w: db-%d is down", mysqladmin.ErrUnreachable, i)
	}
	s, err := m.RootSession()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", mysqladmin.ErrUnreachable, err)
	}
	return mysqladmin.New(admintest.Runner{M: m, S: s}), nil
}

// observe builds topology's input; a crashed member's pod counts as not running.
func (sc *scenario) observe() topology.Observation {
	o := topology.Observation{Instances: sc.instances, Initialized: sc.bootstrap, Requests: sc.requests}
	for i, m := range sc.members {
		mem := topology.Member{Pod: fmt.Sprintf("db-%d", i), Ordinal: i, Host: scenarioHost(i), PodExists: true,
			PodRunning: m.Up(), AtTarget: true}
		if in, err := sc.instance(i); err == nil {
			st, err := in.Status(context.Background())
			_ = in.Close()
			if err == nil {
				mem.Status = st
			} else {
				mem.Unreachable = err.Error()
			}
		}
		o.Members = append(o.Members, mem)
	}
	return o
}

// run executes one action with clustering's own SQL executor, connected in-process as root.
func (sc *scenario) run(a topology.Action) error {
	sc.ran = append(sc.ran, string(a.Kind)+" "+a.Member)
	info := &clustering.ClusterInfo{Key: types.NamespacedName{Namespace: "ns", Name: "db"},
		GroupName: "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", Hosts: map[string]string{},
		Credentials: clustering.Credentials{RootUser: "root", RootPassword: "root-pw", RootHosts: []string{"%"},
			ReplicationUser: scenarioRepl.User, ReplicationPassword: scenarioRepl.Password}}
	for i := range sc.members {
		pod := fmt.Sprintf("db-%d", i)
		info.Pods = append(info.Pods, pod)
		info.Hosts[pod] = scenarioHost(i)
	}
	err := clustering.SQLExecutor{Connector: sc.connector}.Run(context.Background(), info, a)
	if err == nil && (a.Kind == topology.ActionBootstrapGroup || a.Kind == topology.ActionRebootGroup) {
		sc.bootstrap = true
	}
	return err
}

func ordinal(pod string) int {
	var i int
	_, _ = fmt.Sscanf(pod, "db-%d", &i)
	return i
}

// converge runs passes until done(decision) holds, running at most one action per pass.
func (sc *scenario) converge(what string, done func(topology.Decision) bool) topology.Decision {
	sc.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var d topology.Decision
	for time.Now().Before(deadline) {
		d = topology.Decide(sc.observe())
		if done(d) {
			return d
		}
		if a, ok := d.Next(); ok {
			if err := sc.run(a); err != nil {
				sc.t.Logf("%s %s: %v (observing again)", a.Kind, a.Member, err)
			}
			continue
		}
		time.Sleep(5 * time.Millisecond)
	}
	sc.t.Fatalf("%s: not reached; last decision %s %s %q, ran %v", what, d.State, d.Reason, d.Message, sc.ran)
	return d
}

func allOnline(n int) func(topology.Decision) bool {
	return func(d topology.Decision) bool {
		count := 0
		for _, m := range d.Members {
			if m.Health == topology.HealthOnline && m.Reachable {
				count++
			}
		}
		return d.State == topology.ClusterOnline && count == n && len(d.Actions) == 0
	}
}

// addTransaction commits one binary-logged transaction on the member (an account change needs no data
// store), as a client writing to the primary would.
func (sc *scenario) addTransaction(i int, name string) {
	sc.t.Helper()
	s, err := sc.members[i].RootSession()
	if err != nil {
		sc.t.Fatal(err)
	}
	defer s.Close()
	if _, err := sc.members[i].Exec(context.Background(), s, "CREATE USER '"+name+"'@'%'"); err != nil {
		sc.t.Fatalf("write on db-%d: %v", i, err)
	}
}

func (sc *scenario) primary(d topology.Decision) int { return ordinal(d.Primary) }

func TestScenarioBootstrapFailoverAndOutageOnSimulator(t *testing.T) {
	sc := newScenario(t, 3)
	d := sc.converge("fresh cluster online", allOnline(3))
	if want := "[BootstrapGroup db-0 JoinMember db-1 JoinMember db-2]"; fmt.Sprint(sc.ran) != want {
		t.Fatalf("ran %v, want %s", sc.ran, want)
	}
	sc.addTransaction(sc.primary(d), "app1")

	// Primary crash: the group elects another member; nothing to run until the pod is back.
	old := sc.primary(d)
	sc.members[old].Crash()
	d = sc.converge("new primary elected", func(d topology.Decision) bool {
		return d.Primary != "" && sc.primary(d) != old && d.State == topology.ClusterOnlinePartial
	})
	if len(d.Actions) != 0 {
		t.Fatalf("acted while the old primary is down: %v", d.Actions)
	}
	sc.addTransaction(sc.primary(d), "app2")
	if err := sc.members[old].Restart(); err != nil {
		t.Fatal(err)
	}
	sc.ran = nil
	sc.converge("old primary rejoined", allOnline(3))
	if want := fmt.Sprintf("[JoinMember db-%d]", old); fmt.Sprint(sc.ran) != want {
		t.Fatalf("ran %v, want %s", sc.ran, want)
	}

	// Complete outage with one member behind: the reboot starts from one of the most advanced.
	behind := (old + 1) % 3
	sc.members[behind].Crash()
	d = sc.converge("degraded", func(d topology.Decision) bool {
		return d.Primary != "" && sc.primary(d) != behind && d.State == topology.ClusterOnlinePartial
	})
	sc.addTransaction(sc.primary(d), "app3")
	for i, m := range sc.members {
		if i != behind {
			m.Crash()
		}
	}
	for _, m := range sc.members {
		if err := m.Restart(); err != nil {
			t.Fatal(err)
		}
	}
	sc.ran = nil
	sc.converge("rebooted", allOnline(3))
	if !strings.HasPrefix(sc.ran[0], "RebootGroup ") || sc.ran[0] == fmt.Sprintf("RebootGroup db-%d", behind) {
		t.Fatalf("reboot from the member that was behind: %v", sc.ran)
	}
}

func TestScenarioQuorumLossNeedsForceOnSimulator(t *testing.T) {
	sc := newScenario(t, 3)
	d := sc.converge("online", allOnline(3))
	keep := sc.primary(d)
	for i, m := range sc.members {
		if i != keep {
			m.Crash()
		}
	}
	d = sc.converge("quorum lost", func(d topology.Decision) bool { return d.State == topology.ClusterNoQuorum })
	if len(d.Actions) != 0 || d.Reason != topology.ReasonQuorumLost {
		t.Fatalf("acted without the force request: %v %s", d.Actions, d.Reason)
	}
	sc.requests.ForceQuorum = true
	sc.ran = nil
	sc.converge("forced", func(d topology.Decision) bool { return d.State == topology.ClusterOnlinePartial })
	sc.requests.ForceQuorum = false
	if want := fmt.Sprintf("[ForceQuorum db-%d]", keep); fmt.Sprint(sc.ran) != want {
		t.Fatalf("ran %v, want %s", sc.ran, want)
	}
	for i, m := range sc.members {
		if i != keep {
			if err := m.Restart(); err != nil {
				t.Fatal(err)
			}
		}
	}
	sc.converge("back to three", allOnline(3))
}

func TestScenarioErrantMemberSwitchoverScaleDownOnSimulator(t *testing.T) {
	sc := newScenario(t, 3)
	d := sc.converge("online", allOnline(3))
	prim := sc.primary(d)
	victim := (prim + 2) % 3
	// An errant transaction: the member leaves and someone writes to it directly.
	in, err := sc.instance(victim)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.StopGroupReplication(context.Background()); err != nil {
		t.Fatal(err)
	}
	s, _ := sc.members[victim].RootSession()
	for _, stmt := range []string{"SET GLOBAL super_read_only = OFF", "CREATE USER 'errant'@'%'"} {
		if _, err := sc.members[victim].Exec(context.Background(), s, stmt); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	victimPod := fmt.Sprintf("db-%d", victim)
	sc.converge("errant reported", func(d topology.Decision) bool {
		return d.Reason == topology.ReasonErrantTransactions && len(d.Actions) == 0
	})
	sc.requests.AllowErrantWipe = true
	sc.ran = nil
	sc.converge("errant member cloned and back", allOnline(3))
	sc.requests.AllowErrantWipe = false
	if len(sc.ran) < 2 || sc.ran[0] != "CloneMember "+victimPod || sc.ran[len(sc.ran)-1] != "JoinMember "+victimPod {
		t.Fatalf("ran %v, want a clone of %s then its join", sc.ran, victimPod)
	}

	// Switchover on request, then a scale-down that must move the primary away first.
	target := fmt.Sprintf("db-%d", (prim+1)%3)
	sc.requests.SwitchoverTo = target
	sc.converge("switched over", func(d topology.Decision) bool { return d.Reason == topology.ReasonSwitchoverDone })
	sc.requests.SwitchoverTo = ""
	sc.requests.SwitchoverTo, sc.ran = "db-2", nil
	sc.converge("db-2 primary", func(d topology.Decision) bool { return d.Primary == "db-2" && len(d.Actions) == 0 })
	sc.requests.SwitchoverTo = ""
	sc.instances, sc.ran = 2, nil
	d = sc.converge("scaled to two", allOnline(2))
	if want := "[Switchover db-0 RemoveMember db-2]"; fmt.Sprint(sc.ran) != want {
		t.Fatalf("ran %v, want %s", sc.ran, want)
	}
	for _, m := range d.Members {
		if m.Pod == "db-2" && m.Health != topology.HealthRemoved {
			t.Fatalf("db-2 should be Removed: %+v", m)
		}
	}
}
