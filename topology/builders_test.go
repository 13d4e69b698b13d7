package topology

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Test fixtures: pod i is "mysql-i" with server UUID uuid(i) and host host(i). The group's own
// transactions use gUUID; errant ones use xUUID.
const (
	gUUID = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
	xUUID = "eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee"
)

func pod(i int) string  { return fmt.Sprintf("mysql-%d", i) }
func host(i int) string { return fmt.Sprintf("mysql-%d.mysql-instances.ns.svc", i) }
func uuid(i int) string { return fmt.Sprintf("00000000-0000-0000-0000-%012d", i) }
func g(r string) string { return gUUID + ":" + r }

// builder assembles an Observation step by step. Every pod starts running, queried, OFFLINE, with
// no transactions, version 8.4.6 and at the target.
type builder struct{ o Observation }

func newCluster(instances, pods int) *builder {
	b := &builder{o: Observation{Instances: instances, Initialized: true}}
	for i := range pods {
		b.o.Members = append(b.o.Members, Member{
			Pod: pod(i), Ordinal: i, Host: host(i), PodExists: true, PodRunning: true, AtTarget: true,
			Status: &MemberStatus{ServerUUID: uuid(i), State: StateOffline, Version: "8.4.6", SuperReadOnly: true,
				Group: []GroupMember{{UUID: uuid(i), Host: host(i), Port: 3306, State: StateOffline}}},
		})
	}
	return b
}

// fresh is a never-bootstrapped cluster.
func fresh(instances, pods int) *builder {
	b := newCluster(instances, pods)
	b.o.Initialized = false
	return b
}

func (b *builder) m(i int) *Member {
	for k := range b.o.Members {
		if b.o.Members[k].Ordinal == i {
			return &b.o.Members[k]
		}
	}
	panic(fmt.Sprintf("no member %d", i))
}

func (b *builder) each(ids []int, f func(*Member)) *builder {
	for _, i := range ids {
		f(b.m(i))
	}
	return b
}

// entry is one replication_group_members row for pod i.
func entry(i int, st MemberState, role Role) GroupMember {
	return GroupMember{UUID: uuid(i), Host: host(i), Port: 3306, State: st, Role: role, Version: "8.4.6"}
}

// group makes members ONLINE in one healthy view with primary prim; every member reports it.
func (b *builder) group(viewID string, prim int, members ...int) *builder {
	var es []GroupMember
	for _, i := range members {
		es = append(es, entry(i, StateOnline, pick(i == prim, RolePrimary, RoleSecondary)))
	}
	return b.view(viewID, es, members...)
}

// view makes each reporter see entries in viewID, taking its own state and role from its entry.
func (b *builder) view(viewID string, es []GroupMember, reporters ...int) *builder {
	for _, i := range reporters {
		m := b.m(i)
		if m.Status == nil {
			continue
		}
		m.Status.ViewID, m.Status.Group = viewID, slices.Clone(es)
		for _, e := range es {
			if e.UUID == uuid(i) {
				m.Status.State, m.Status.Role = e.State, e.Role
				m.Status.SuperReadOnly = e.Role != RolePrimary
			}
		}
	}
	return b
}

// state sets members' own state outside any group (OFFLINE or ERROR).
func (b *builder) state(st MemberState, ids ...int) *builder {
	return b.each(ids, func(m *Member) {
		m.Status.State, m.Status.Role, m.Status.ViewID = st, RoleNone, ""
		m.Status.Group = []GroupMember{{UUID: m.Status.ServerUUID, Host: m.Host, Port: 3306, State: st}}
	})
}

func (b *builder) gtid(set string, ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.Status.GTIDExecuted = set })
}

func (b *builder) received(set string, ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.Status.GTIDReceived = set })
}

func (b *builder) purged(set string, ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.Status.GTIDPurged = set })
}

// down stops pods: mysqld is certainly not running.
func (b *builder) down(ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.PodRunning, m.Status = false, nil })
}

// absent removes pod objects (not created yet or deleted).
func (b *builder) absent(ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.PodExists, m.PodRunning, m.Status = false, false, nil })
}

// unreachable keeps pods running but makes them unqueryable.
func (b *builder) unreachable(ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.Status, m.Unreachable = nil, "dial tcp: i/o timeout" })
}

func (b *builder) deleting(ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.PodDeleting = true })
}

// version sets the members' version everywhere it appears: their status and every view's entry.
func (b *builder) version(v string, ids ...int) *builder {
	for _, i := range ids {
		if st := b.m(i).Status; st != nil {
			st.Version = v
		}
		for k := range b.o.Members {
			if st := b.o.Members[k].Status; st != nil {
				for e := range st.Group {
					if st.Group[e].UUID == uuid(i) {
						st.Group[e].Version = v
					}
				}
			}
		}
	}
	return b
}

func (b *builder) outdated(ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.AtTarget = false })
}

func (b *builder) req(f func(*Requests)) *builder { f(&b.o.Requests); return b }

func (b *builder) with(f func(*Observation)) *builder { f(&b.o); return b }

func (b *builder) obs() Observation { return b.o }

// Assertions.

func first(d Decision) string {
	a, ok := d.Next()
	if !ok {
		return "none"
	}
	return string(a.Kind) + " " + a.Member
}

func hasFinding(d Decision, r Reason, member string) bool {
	for _, f := range d.Findings {
		if f.Reason == r && (member == "" || f.Member == member) {
			return true
		}
	}
	return false
}

func assessment(d Decision, p string) Assessment {
	for _, a := range d.Members {
		if a.Pod == p {
			return a
		}
	}
	return Assessment{}
}

func describe(d Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "state=%s primary=%s reason=%s %q\n", d.State, d.Primary, d.Reason, d.Message)
	for _, a := range d.Actions {
		fmt.Fprintf(&b, "  action %s %s donor=%s members=%v stop=%v: %s\n", a.Kind, a.Member, a.Donor, a.Members,
			a.StopFirst, a.Message)
	}
	for _, f := range d.Findings {
		fmt.Fprintf(&b, "  finding %s %s: %s\n", f.Reason, f.Member, f.Message)
	}
	for _, a := range d.Members {
		fmt.Fprintf(&b, "  member %s %s state=%s role=%s inGroup=%v: %s\n", a.Pod, a.Health, a.State, a.Role,
			a.InGroup, a.Detail)
	}
	return b.String()
}

// row is one table-test case: the observation, the expected state, the first action ("none" when
// nothing must run) and the expected reason; check adds scenario-specific assertions.
type row struct {
	name   string
	obs    Observation
	state  ClusterState
	first  string
	reason Reason
	check  func(t *testing.T, d Decision)
}

func runRows(t *testing.T, rows []row) {
	t.Helper()
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			d := Decide(r.obs)
			if d.State != r.state || first(d) != r.first || d.Reason != r.reason {
				t.Fatalf("got state=%s first=%q reason=%s, want state=%s first=%q reason=%s\n%s",
					d.State, first(d), d.Reason, r.state, r.first, r.reason, describe(d))
			}
			if r.check != nil {
				r.check(t, d)
			}
			if t.Failed() {
				t.Log(describe(d))
			}
		})
	}
}

// on schedules members' pods on node, in zone ("" for a node without a zone label).
func (b *builder) on(node, zone string, ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.Node, m.Zone = node, zone })
}

// moved records that the current rebalance request moved the members off node.
func (b *builder) moved(node string, ids ...int) *builder {
	return b.each(ids, func(m *Member) { m.MovedFrom = node })
}
