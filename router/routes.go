package router

import (
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Group Replication's member states and roles as performance_schema.replication_group_members shows them.
const (
	stateOnline     = "ONLINE"
	stateRecovering = "RECOVERING"
	rolePrimary     = "PRIMARY"
	roleSecondary   = "SECONDARY"
)

// GroupMember is one row of a member's replication_group_members.
type GroupMember struct {
	UUID, Host  string
	Port        int
	State, Role string
}

// Addr is the member's classic address as the group reports it (MEMBER_HOST:MEMBER_PORT).
func (g GroupMember) Addr() string { return net.JoinHostPort(g.Host, strconv.Itoa(g.Port)) }

// Observation is what the router knows of one member: its last answer and whether its latest probe answered.
type Observation struct {
	// Member is the member's classic address (host:port): the key of routes, metrics and logs.
	Member string
	// Reachable is true when the latest probe answered; false keeps the last answer below for established
	// connections only.
	Reachable bool
	// At is when the answer below was read; zero when the member never answered.
	At time.Time
	// UUID, State, Role and ViewID are the member's own row and view; Group is the group as it sees it.
	UUID, State, Role string
	ViewID            string
	Group             []GroupMember
}

// Verdict names what the observations say about the group.
type Verdict uint8

// Verdicts, from nothing known to a routable primary.
const (
	// VerdictUnknown: no member answered with a view of a group.
	VerdictUnknown Verdict = iota
	// VerdictQuorumLost: members are in a view, but none of them reaches a majority of it.
	VerdictQuorumLost
	// VerdictNoPrimary: a view with quorum but no routable primary (an election, or members not yet probed).
	VerdictNoPrimary
	// VerdictPrimary: a primary in a view with quorum.
	VerdictPrimary
)

// String names the verdict in logs and metrics.
func (v Verdict) String() string {
	return [...]string{"unknown", "quorum_lost", "no_primary", "primary"}[min(int(v), 3)]
}

// Role is a member's place in the routing table, for metrics and logs.
type Role string

// Roles of members in a table.
const (
	RolePrimary     Role = "primary"     // the RW destination
	RoleSecondary   Role = "secondary"   // an RO destination
	RoleReadOnly    Role = "read_only"   // ONLINE in a group without quorum, RO destination only by choice
	RoleUnroutable  Role = "unroutable"  // answers but is not routable (RECOVERING, OFFLINE, ERROR, isolated)
	RoleUnreachable Role = "unreachable" // its latest probe failed
)

// Table is the routing decision: where new connections go and which established ones may stay.
type Table struct {
	Verdict Verdict
	// ViewID is the group's view the decision follows ("" when none has quorum and none was seen).
	ViewID string
	// Primary is the RW destination ("" refuses RW connections).
	Primary string
	// Secondaries are the ONLINE secondaries, sorted.
	Secondaries []string
	// ReadOnly are the RO destinations, round-robin: the secondaries, else the primary, else (quorum lost,
	// when allowed) the ONLINE members.
	ReadOnly []string
	// Writable is the backend whose established RW connections stay; others are closed.
	Writable string
	// Readable are the backends whose established RO connections stay.
	Readable []string
	// Roles is every observed member's role.
	Roles map[string]Role
	// Aliases maps another name of a member (the bootstrap name it was first dialled by) to the name the group
	// reports for it: connections made through either name are to the same server.
	Aliases map[string]string
}

// Options tune Compute.
type Options struct {
	// Now is the time the observations are judged at.
	Now time.Time
	// MaxAge is how old an answer may be and still count; older ones count as nothing.
	MaxAge time.Duration
	// StopROOnQuorumLoss refuses RO when no member has quorum; by default RO keeps serving ONLINE members.
	StopROOnQuorumLoss bool
}

// Compute decides the routing table from the latest observation of each member. It is pure: the same
// observations give the same table, and the input is not modified.
//
// New connections follow only members whose latest probe answered. Established connections follow the same
// rules over the last answers within MaxAge, so a single failed probe of a healthy member closes nothing
// while another member's newer answer that demotes or expels it does.
func Compute(obs []Observation, opt Options) Table {
	fresh, aliases := dedupe(filter(obs, func(o Observation) bool {
		return !o.At.IsZero() && opt.Now.Sub(o.At) <= opt.MaxAge
	}))
	live := filter(fresh, func(o Observation) bool { return o.Reachable })
	now, kept := decide(live), decide(fresh)
	t := Table{Verdict: now.verdict, ViewID: now.viewID, Primary: now.primary, Secondaries: now.secondaries,
		ReadOnly: now.readOnly(opt), Writable: kept.primary, Readable: kept.readable(opt), Roles: map[string]Role{},
		Aliases: aliases}
	if now.verdict == VerdictQuorumLost && !opt.StopROOnQuorumLoss {
		// Answers of members that just went silent may still claim quorum; the live ones say it is lost.
		t.Readable = union(t.Readable, now.online)
	}
	if t.Primary != "" && t.Primary != t.Writable { // a newer answer, no longer live, elects another: wait
		t.Verdict, t.Primary = VerdictNoPrimary, ""
	}
	// New connections only go where they may stay.
	t.ReadOnly = slices.DeleteFunc(slices.Clone(t.ReadOnly), func(m string) bool {
		return !slices.Contains(t.Readable, m)
	})
	answered := map[string]bool{}
	for _, o := range live {
		answered[o.Member] = true
	}
	for _, o := range obs {
		t.Roles[o.Member] = now.role(o.Member, answered[o.Member], t.ReadOnly)
	}
	return t
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, m := range b {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

func filter(obs []Observation, keep func(Observation) bool) []Observation {
	var out []Observation
	for _, o := range obs {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// dedupe keeps one observation per server_uuid: a member named twice (a bootstrap name and the name the group
// reports) counts once, under the name the group reports for it, else the newest; the other names are aliases.
func dedupe(obs []Observation) ([]Observation, map[string]string) {
	byUUID := map[string]int{}
	var out []Observation
	for _, o := range obs {
		i, seen := byUUID[o.UUID]
		switch {
		case o.UUID == "" || !seen:
			byUUID[o.UUID] = len(out)
			out = append(out, o)
		case preferred(o, out[i]):
			out[i] = o
		}
	}
	var aliases map[string]string
	for _, o := range obs {
		if o.UUID == "" || o.Member == out[byUUID[o.UUID]].Member {
			continue
		}
		if aliases == nil {
			aliases = map[string]string{}
		}
		aliases[o.Member] = out[byUUID[o.UUID]].Member
	}
	return out, aliases
}

func preferred(a, b Observation) bool {
	if selfNamed(a) != selfNamed(b) {
		return selfNamed(a)
	}
	return a.At.After(b.At)
}

func selfNamed(o Observation) bool {
	for _, g := range o.Group {
		if g.UUID == o.UUID {
			return g.Addr() == o.Member
		}
	}
	return false
}

// decision is the outcome over one set of observations.
type decision struct {
	verdict     Verdict
	viewID      string
	primary     string
	secondaries []string
	healthy     []string // ONLINE members of the group with quorum, any role
	online      []string // ONLINE members of views without quorum (quorum lost)
}

func decide(obs []Observation) decision {
	var d decision
	auth, ok := authority(obs)
	if !ok {
		d.quorumLost(obs)
		return d
	}
	d.viewID = auth.ViewID
	listed := map[string]GroupMember{}
	for _, g := range auth.Group {
		listed[g.UUID] = g
	}
	var primaries []string
	for _, o := range obs {
		g, in := listed[o.UUID]
		if !in || o.ViewID == "" || o.State != stateOnline || g.State != stateOnline || !hasQuorum(o) {
			continue
		}
		d.healthy = append(d.healthy, o.Member)
		switch {
		case g.Role == rolePrimary && o.Role == rolePrimary:
			primaries = append(primaries, o.Member)
		case g.Role == roleSecondary:
			d.secondaries = append(d.secondaries, o.Member)
		}
	}
	d.verdict = VerdictNoPrimary
	if len(primaries) == 1 { // several would be a multi-primary group: not routed
		d.verdict, d.primary = VerdictPrimary, primaries[0]
	}
	slices.Sort(d.secondaries)
	slices.Sort(d.healthy)
	return d
}

// quorumLost records members that are in a view without a majority, if any.
func (d *decision) quorumLost(obs []Observation) {
	for _, o := range obs {
		if o.ViewID == "" || (o.State != stateOnline && o.State != stateRecovering) {
			continue
		}
		d.verdict = VerdictQuorumLost
		if d.viewID == "" || viewBefore(d.viewID, o.ViewID) {
			d.viewID = o.ViewID
		}
		if o.State == stateOnline {
			d.online = append(d.online, o.Member)
		}
	}
	slices.Sort(d.online)
}

// authority is the answer whose rows say which members are in the group and with which role: among the
// members in the newest view with quorum, the one whose rows agree most with the others' (members notice a
// partition one peer at a time: while an isolated member already lists the primary UNREACHABLE, the primary and
// the third member still list everyone ONLINE, and the isolated member's rows must not win), then the latest read.
func authority(obs []Observation) (Observation, bool) {
	var candidates []Observation
	newest := ""
	for _, o := range obs {
		if o.ViewID == "" || (o.State != stateOnline && o.State != stateRecovering) || !hasQuorum(o) {
			continue
		}
		candidates = append(candidates, o)
		if newest == "" || viewBefore(newest, o.ViewID) {
			newest = o.ViewID
		}
	}
	candidates = slices.DeleteFunc(candidates, func(o Observation) bool { return o.ViewID != newest })
	if len(candidates) == 0 {
		return Observation{}, false
	}
	score := make([]int, len(candidates))
	for i, o := range candidates {
		score[i] = agreement(o, candidates)
	}
	best := 0
	for i := range candidates[1:] {
		if trusted(candidates[i+1], candidates[best], score[i+1], score[best]) {
			best = i + 1
		}
	}
	return candidates[best], true
}

// agreement counts the rows of the other answers that say of a member what o's rows say (ONLINE or not):
// others listing o itself ONLINE included.
func agreement(o Observation, all []Observation) int {
	n := 0
	for _, other := range all {
		if other.UUID == o.UUID {
			continue
		}
		for _, g := range o.Group {
			if h, ok := listedState(other, g.UUID); ok && (h == stateOnline) == (g.State == stateOnline) {
				n++
			}
		}
	}
	return n
}

func listedState(o Observation, uuid string) (string, bool) {
	for _, g := range o.Group {
		if g.UUID == uuid {
			return g.State, true
		}
	}
	return "", false
}

func trusted(a, b Observation, scoreA, scoreB int) bool {
	if scoreA != scoreB {
		return scoreA > scoreB
	}
	if !a.At.Equal(b.At) {
		return a.At.After(b.At)
	}
	return a.Member < b.Member
}

// hasQuorum: the member sees a majority of its view ONLINE or RECOVERING (UNREACHABLE members count against).
func hasQuorum(o Observation) bool {
	alive := 0
	for _, g := range o.Group {
		if g.State == stateOnline || g.State == stateRecovering {
			alive++
		}
	}
	return 2*alive > len(o.Group)
}

// viewBefore orders view ids "<fixed>:<counter>" (fixed: the group's start time, counter: +1 per view) by
// number; ids that do not parse compare as text.
func viewBefore(a, b string) bool {
	af, ac, aok := parseView(a)
	bf, bc, bok := parseView(b)
	if !aok || !bok {
		return a < b
	}
	if af != bf {
		return af < bf
	}
	return ac < bc
}

func parseView(v string) (fixed, counter uint64, ok bool) {
	f, c, found := strings.Cut(v, ":")
	if !found {
		return 0, 0, false
	}
	fixed, err1 := strconv.ParseUint(f, 10, 64)
	counter, err2 := strconv.ParseUint(c, 10, 64)
	return fixed, counter, err1 == nil && err2 == nil
}

func (d decision) readOnly(opt Options) []string {
	switch {
	case len(d.secondaries) > 0:
		return d.secondaries
	case d.primary != "":
		return []string{d.primary}
	case d.verdict == VerdictQuorumLost && !opt.StopROOnQuorumLoss:
		return d.online
	}
	return nil
}

func (d decision) readable(opt Options) []string {
	if d.verdict == VerdictQuorumLost && !opt.StopROOnQuorumLoss {
		return d.online
	}
	return d.healthy
}

func (d decision) role(member string, answered bool, readOnly []string) Role {
	switch {
	case !answered:
		return RoleUnreachable
	case member == d.primary:
		return RolePrimary
	case slices.Contains(d.secondaries, member):
		return RoleSecondary
	case slices.Contains(readOnly, member):
		return RoleReadOnly
	}
	return RoleUnroutable
}

// Same reports whether two tables route and keep alike (the verdict, view and roles included).
func (t Table) Same(u Table) bool {
	return t.Verdict == u.Verdict && t.ViewID == u.ViewID && t.Primary == u.Primary && t.Writable == u.Writable &&
		slices.Equal(t.Secondaries, u.Secondaries) && slices.Equal(t.ReadOnly, u.ReadOnly) &&
		slices.Equal(t.Readable, u.Readable) && maps.Equal(t.Roles, u.Roles) && maps.Equal(t.Aliases, u.Aliases)
}
