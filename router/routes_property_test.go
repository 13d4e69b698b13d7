package router

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// randomObservations are often inconsistent answers: members in every state and role, views that agree or
// not, reports of every age, probes that fail, names given twice.
func randomObservations(seed uint64) ([]Observation, Options) {
	r := rand.New(rand.NewPCG(seed, 11))
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	n := 1 + r.IntN(5)
	var obs []Observation
	for i := range n {
		var rows []GroupMember
		for j := range n {
			if j != i && r.IntN(4) == 0 {
				continue
			}
			rows = append(rows, row(j, pick(stateOnline, stateOnline, stateRecovering, "UNREACHABLE", "ERROR",
				"OFFLINE"), pick(rolePrimary, roleSecondary, roleSecondary, "")))
		}
		o := sees(i, pick(view5, view6, view6, ""), rows...)
		o.At = t0.Add(time.Duration(r.IntN(8)-4) * time.Second)
		o.Reachable = r.IntN(5) != 0
		if r.IntN(8) == 0 {
			o.Member = fmt.Sprintf("10.0.0.%d:3306", i) // a bootstrap name beside the group's
			obs = append(obs, sees(i, o.ViewID, rows...))
		}
		obs = append(obs, o)
	}
	r.Shuffle(len(obs), func(i, j int) { obs[i], obs[j] = obs[j], obs[i] })
	return obs, Options{Now: t0, MaxAge: 3 * time.Second, StopROOnQuorumLoss: r.IntN(2) == 0}
}

func TestComputeProperties(t *testing.T) {
	for seed := range uint64(20000) {
		obs, opt := randomObservations(seed)
		tab := Compute(obs, opt)
		if err := checkProperties(obs, opt, tab); err != nil {
			t.Fatalf("seed %d: %v\nobservations %+v\ntable %+v", seed, err, obs, tab)
		}
		shuffled := slices.Clone(obs)
		slices.Reverse(shuffled)
		if again := Compute(shuffled, opt); !again.Same(tab) {
			t.Fatalf("seed %d: the order of observations changed the table:\n%+v\n%+v", seed, tab, again)
		}
	}
}

func checkProperties(obs []Observation, opt Options, tab Table) error {
	live := func(m string) (Observation, bool) {
		for _, o := range obs {
			if o.Member == m && o.Reachable && opt.Now.Sub(o.At) <= opt.MaxAge {
				return o, true
			}
		}
		return Observation{}, false
	}
	if tab.Primary != "" {
		o, ok := live(tab.Primary)
		if !ok || o.State != stateOnline || o.Role != rolePrimary || o.ViewID == "" || !hasQuorum(o) {
			return fmt.Errorf("RW goes to %s, which does not itself report PRIMARY ONLINE with quorum", tab.Primary)
		}
		if tab.Writable != tab.Primary || tab.Verdict != VerdictPrimary {
			return fmt.Errorf("RW to %s but established RW kept on %q, verdict %s", tab.Primary, tab.Writable,
				tab.Verdict)
		}
	}
	for _, m := range tab.ReadOnly {
		o, ok := live(m)
		if !ok || o.State != stateOnline || o.ViewID == "" {
			return fmt.Errorf("RO goes to %s, which is not a live ONLINE member", m)
		}
		if tab.Verdict != VerdictQuorumLost && !hasQuorum(o) {
			return fmt.Errorf("RO goes to %s, without quorum while the group has it", m)
		}
		if !slices.Contains(tab.Readable, m) {
			return fmt.Errorf("RO goes to %s where established RO connections are closed", m)
		}
	}
	if tab.Verdict == VerdictQuorumLost && opt.StopROOnQuorumLoss && len(tab.ReadOnly) > 0 {
		return fmt.Errorf("quorum lost and RO refused, yet RO routes to %v", tab.ReadOnly)
	}
	if tab.Verdict == VerdictPrimary && tab.Primary == "" {
		return fmt.Errorf("verdict primary without one")
	}
	for _, o := range obs {
		if tab.Roles[o.Member] == "" {
			return fmt.Errorf("no role for observed member %s", o.Member)
		}
	}
	return nil
}
