package router

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

const view5, view6 = "17000000000000000:5", "17000000000000000:6"

func name(i int) string { return fmt.Sprintf("db-%d:3306", i) }

// row is member i as a reporter lists it.
func row(i int, state, role string) GroupMember {
	return GroupMember{UUID: fmt.Sprintf("uuid-%d", i), Host: fmt.Sprintf("db-%d", i), Port: 3306, State: state,
		Role: role}
}

func online(i int, role string) GroupMember { return row(i, stateOnline, role) }

// sees is member i's answer: its own row among rows gives its state and role.
func sees(i int, view string, rows ...GroupMember) Observation {
	o := Observation{Member: name(i), Reachable: true, At: t0, UUID: fmt.Sprintf("uuid-%d", i), ViewID: view,
		Group: rows}
	for _, r := range rows {
		if r.UUID == o.UUID {
			o.State, o.Role = r.State, r.Role
		}
	}
	return o
}

func (o Observation) at(d time.Duration) Observation { o.At = t0.Add(d); return o }
func (o Observation) down() Observation              { o.Reachable = false; return o }

var opts = Options{Now: t0.Add(time.Second), MaxAge: 3 * time.Second}

// healthy3 is a three-member group, db-0 primary, as every member sees it.
func healthy3() []GroupMember {
	return []GroupMember{online(0, rolePrimary), online(1, roleSecondary), online(2, roleSecondary)}
}

func everyone(view string, rows []GroupMember, ids ...int) []Observation {
	var out []Observation
	for _, i := range ids {
		out = append(out, sees(i, view, rows...))
	}
	return out
}

type want struct {
	verdict  Verdict
	primary  string
	ro       []string
	writable string
	readable []string
	roles    map[int]Role
}

func TestCompute(t *testing.T) {
	recovering := []GroupMember{online(0, rolePrimary), online(1, roleSecondary),
		row(2, stateRecovering, roleSecondary)}
	afterSwitch := []GroupMember{online(0, roleSecondary), online(1, rolePrimary), online(2, roleSecondary)}
	cutOff := func(self int, role string) []GroupMember { // self sees the other two UNREACHABLE
		var rows []GroupMember
		for i := range 3 {
			r := row(i, "UNREACHABLE", roleSecondary)
			switch i {
			case self:
				r = online(i, role)
			case 0:
				r.Role = rolePrimary
			}
			rows = append(rows, r)
		}
		return rows
	}
	suspectC := []GroupMember{online(0, rolePrimary), online(1, roleSecondary), row(2, "UNREACHABLE", roleSecondary)}
	suspectA := []GroupMember{row(0, "UNREACHABLE", rolePrimary), online(1, roleSecondary), online(2, roleSecondary)}
	majority := []GroupMember{online(1, rolePrimary), online(2, roleSecondary)}
	cases := []struct {
		name string
		obs  []Observation
		opt  func(*Options)
		want want
	}{{
		name: "healthy group",
		obs:  everyone(view5, healthy3(), 0, 1, 2),
		want: want{verdict: VerdictPrimary, primary: name(0), ro: []string{name(1), name(2)}, writable: name(0),
			readable: []string{name(0), name(1), name(2)},
			roles:    map[int]Role{0: RolePrimary, 1: RoleSecondary, 2: RoleSecondary}},
	}, {
		name: "a RECOVERING member is never a destination",
		obs:  everyone(view5, recovering, 0, 1, 2),
		want: want{verdict: VerdictPrimary, primary: name(0), ro: []string{name(1)}, writable: name(0),
			readable: []string{name(0), name(1)}, roles: map[int]Role{2: RoleUnroutable}},
	}, {
		name: "one failed probe of the primary: no new RW, established RW stays",
		obs:  append(everyone(view5, healthy3(), 1, 2), sees(0, view5, healthy3()...).at(-time.Second).down()),
		want: want{verdict: VerdictNoPrimary, ro: []string{name(1), name(2)}, writable: name(0),
			readable: []string{name(0), name(1), name(2)}, roles: map[int]Role{0: RoleUnreachable}},
	}, {
		name: "switchover seen first by the new primary",
		obs: []Observation{sees(0, view5, healthy3()...), sees(1, view5, afterSwitch...).at(time.Millisecond),
			sees(2, view5, healthy3()...)},
		want: want{verdict: VerdictPrimary, primary: name(1), ro: []string{name(0), name(2)}, writable: name(1),
			readable: []string{name(0), name(1), name(2)}},
	}, {
		name: "switchover seen first by the old primary: no primary until the new one answers",
		obs: []Observation{sees(0, view5, afterSwitch...).at(time.Millisecond), sees(1, view5, healthy3()...),
			sees(2, view5, healthy3()...)},
		want: want{verdict: VerdictNoPrimary, ro: []string{name(0), name(2)}, readable: []string{name(0), name(1),
			name(2)}},
	}, {
		name: "an isolated secondary loses its routes",
		obs: []Observation{sees(0, view5, suspectC...), sees(1, view5, suspectC...),
			sees(2, view5, cutOff(2, roleSecondary)...)},
		want: want{verdict: VerdictPrimary, primary: name(0), ro: []string{name(1)}, writable: name(0),
			readable: []string{name(0), name(1)}, roles: map[int]Role{2: RoleUnroutable}},
	}, {
		name: "a member cut off before it suspects every peer still counts a majority, but is not believed",
		obs: []Observation{sees(0, view5, suspectC...), sees(1, view5, suspectC...),
			sees(2, view5, row(0, "UNREACHABLE", rolePrimary), online(1, roleSecondary),
				online(2, roleSecondary)).at(time.Millisecond)},
		want: want{verdict: VerdictPrimary, primary: name(0), ro: []string{name(1)}, writable: name(0),
			readable: []string{name(0), name(1)}, roles: map[int]Role{2: RoleUnroutable}},
	}, {
		name: "a member being isolated suspects the primary before anyone suspects it: not believed",
		obs: append(everyone(view5, healthy3(), 0, 1), sees(2, view5, row(0, "UNREACHABLE", rolePrimary),
			online(1, roleSecondary), online(2, roleSecondary)).at(time.Millisecond)),
		want: want{verdict: VerdictPrimary, primary: name(0), ro: []string{name(1), name(2)}, writable: name(0),
			readable: []string{name(0), name(1), name(2)}},
	}, {
		name: "a member being isolated suspects a secondary before anyone suspects it: not believed",
		obs: append(everyone(view5, healthy3(), 0, 1), sees(2, view5, online(0, rolePrimary),
			row(1, "UNREACHABLE", roleSecondary), online(2, roleSecondary)).at(time.Millisecond)),
		want: want{verdict: VerdictPrimary, primary: name(0), ro: []string{name(1), name(2)}, writable: name(0),
			readable: []string{name(0), name(1), name(2)}},
	}, {
		name: "an isolated primary is never RW, even before the majority elects",
		obs: []Observation{sees(0, view5, cutOff(0, rolePrimary)...), sees(1, view5, suspectA...),
			sees(2, view5, suspectA...)},
		want: want{verdict: VerdictNoPrimary, ro: []string{name(1), name(2)}, readable: []string{name(1), name(2)},
			roles: map[int]Role{0: RoleUnroutable}},
	}, {
		name: "the majority's new view elects a new primary",
		obs: []Observation{sees(0, view5, cutOff(0, rolePrimary)...), sees(1, view6, majority...),
			sees(2, view6, majority...)},
		want: want{verdict: VerdictPrimary, primary: name(1), ro: []string{name(2)}, writable: name(1),
			readable: []string{name(1), name(2)}},
	}, {
		name: "quorum lost: RO keeps serving by default",
		obs: []Observation{sees(0, view5, cutOff(0, rolePrimary)...),
			sees(1, view5, healthy3()...).at(-time.Hour).down()},
		want: want{verdict: VerdictQuorumLost, ro: []string{name(0)}, readable: []string{name(0)},
			roles: map[int]Role{0: RoleReadOnly, 1: RoleUnreachable}},
	}, {
		name: "quorum lost: RO refused when asked",
		obs:  []Observation{sees(0, view5, cutOff(0, rolePrimary)...)},
		opt:  func(o *Options) { o.StopROOnQuorumLoss = true },
		want: want{verdict: VerdictQuorumLost, roles: map[int]Role{0: RoleUnroutable}},
	}, {
		name: "nothing answered",
		obs:  []Observation{{Member: name(0)}},
		want: want{verdict: VerdictUnknown, roles: map[int]Role{0: RoleUnreachable}},
	}, {
		name: "answers older than MaxAge count as nothing",
		obs:  []Observation{sees(0, view5, healthy3()...).at(-time.Minute)},
		want: want{verdict: VerdictUnknown},
	}, {
		name: "Group Replication stopped: the member lists itself OFFLINE without a view",
		obs:  append(everyone(view5, suspectC, 0, 1), sees(2, "", row(2, "OFFLINE", ""))),
		want: want{verdict: VerdictPrimary, primary: name(0), ro: []string{name(1)}, writable: name(0),
			readable: []string{name(0), name(1)}, roles: map[int]Role{2: RoleUnroutable}},
	}, {
		name: "a member in ERROR",
		obs: append(everyone(view6, majority, 1), sees(0, view5, row(0, "ERROR", ""), online(1, roleSecondary),
			online(2, roleSecondary))),
		want: want{verdict: VerdictPrimary, primary: name(1), ro: []string{name(1)}, writable: name(1),
			readable: []string{name(1)}, roles: map[int]Role{0: RoleUnroutable}},
	}, {
		name: "a member not yet re-probed after a view change stays routable while the new view lists it",
		obs: []Observation{sees(0, view6, healthy3()...).at(time.Millisecond), sees(1, view5, healthy3()...),
			sees(2, view5, healthy3()...)},
		want: want{verdict: VerdictPrimary, primary: name(0), ro: []string{name(1), name(2)}, writable: name(0),
			readable: []string{name(0), name(1), name(2)}},
	}, {
		name: "two primaries in one view (multi-primary): RW not routed",
		obs: everyone(view5, []GroupMember{online(0, rolePrimary), online(1, rolePrimary),
			online(2, roleSecondary)}, 0, 1, 2),
		want: want{verdict: VerdictNoPrimary, ro: []string{name(2)}, readable: []string{name(0), name(1), name(2)}},
	}, {
		name: "a lone primary also serves RO",
		obs:  everyone(view5, []GroupMember{online(0, rolePrimary)}, 0),
		want: want{verdict: VerdictPrimary, primary: name(0), ro: []string{name(0)}, writable: name(0),
			readable: []string{name(0)}},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt := opts
			if c.opt != nil {
				c.opt(&opt)
			}
			checkTable(t, Compute(c.obs, opt), c.want)
		})
	}
}

func checkTable(t *testing.T, got Table, w want) {
	t.Helper()
	if got.Verdict != w.verdict || got.Primary != w.primary || !slices.Equal(got.ReadOnly, w.ro) ||
		got.Writable != w.writable || !slices.Equal(got.Readable, w.readable) {
		t.Fatalf("got %s primary %q ro %v writable %q readable %v\nwant %s primary %q ro %v writable %q readable %v",
			got.Verdict, got.Primary, got.ReadOnly, got.Writable, got.Readable,
			w.verdict, w.primary, w.ro, w.writable, w.readable)
	}
	for i, role := range w.roles {
		if got.Roles[name(i)] != role {
			t.Fatalf("role of %s = %q, want %q (roles %v)", name(i), got.Roles[name(i)], role, got.Roles)
		}
	}
}

// A member watched under its bootstrap address and under the name the group reports counts once, under the
// group's name.
func TestComputeCountsAMemberOnce(t *testing.T) {
	rows := []GroupMember{online(0, rolePrimary), online(1, roleSecondary)}
	boot := sees(1, view5, rows...)
	boot.Member = "10.0.0.7:3306"
	got := Compute([]Observation{sees(0, view5, rows...), boot, sees(1, view5, rows...)}, opts)
	if !slices.Equal(got.ReadOnly, []string{name(1)}) {
		t.Fatalf("RO %v", got.ReadOnly)
	}
}

// Connections made through a member's bootstrap name stay when the router learns the name the group reports:
// a lone primary first routed as the name it was dialled by keeps the RW clients of that moment.
func TestConnectionsThroughABootstrapNameStay(t *testing.T) {
	rows := []GroupMember{online(0, rolePrimary), online(1, roleSecondary)}
	boot0, boot1 := sees(0, view5, rows...), sees(1, view5, rows...)
	boot0.Member, boot1.Member = "db-0.db-instances:3306", "db-1.db-instances:3306"
	before := Compute([]Observation{boot0, boot1}, opts)
	if before.Primary != boot0.Member {
		t.Fatalf("before the group's names were probed RW went to %q", before.Primary)
	}
	after := Compute([]Observation{boot0, boot1, sees(0, view5, rows...), sees(1, view5, rows...)}, opts)
	if after.Primary != name(0) || !kept(after, ClassicRW, boot0.Member) || !kept(after, ClassicRO, boot1.Member) {
		t.Fatalf("primary %q, aliases %v: RW through %s kept %v, RO through %s kept %v", after.Primary,
			after.Aliases, boot0.Member, kept(after, ClassicRW, boot0.Member), boot1.Member,
			kept(after, ClassicRO, boot1.Member))
	}
	if kept(after, ClassicRW, boot1.Member) {
		t.Fatal("an RW connection through the secondary's bootstrap name is kept")
	}
}

func TestViewOrder(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"17000000000000000:9", "17000000000000000:10", true},
		{"17000000000000000:10", "17000000000000000:9", false},
		{"17000000000000000:10", "17000000000000001:1", true}, // a re-bootstrapped group starts later
		{"x", "y", true},
	} {
		if got := viewBefore(c.a, c.b); got != c.want {
			t.Errorf("viewBefore(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestComputeDoesNotModifyItsInput(t *testing.T) {
	obs := everyone(view5, healthy3(), 2, 0, 1)
	before := fmt.Sprint(obs)
	Compute(obs, opts)
	if fmt.Sprint(obs) != before {
		t.Fatal("Compute changed its input")
	}
}
