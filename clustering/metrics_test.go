package clustering

import (
	"testing"

	"github.com/orca-operator/orca/topology"
)

// The primary watch counts a move from one member to another once, as a switchover when a Switchover action ran
// since the last change, else as a failover; passes without a primary (mid-failover) change nothing.
func TestPrimaryWatchTellsFailoversFromSwitchovers(t *testing.T) {
	switchover := &inflight{action: topology.Action{Kind: topology.ActionSwitchover}}
	join := &inflight{action: topology.Action{Kind: topology.ActionJoinMember}}
	type pass struct {
		primary     string
		running     *inflight
		changed, sw bool
	}
	for _, tc := range []struct {
		name   string
		passes []pass
	}{
		{"bootstrap is no change", []pass{{"", nil, false, false}, {"m-0", nil, false, false}, {"m-0", nil, false, false}}},
		{"failover through a pass without primary", []pass{{"m-0", nil, false, false}, {"", nil, false, false},
			{"m-1", nil, true, false}, {"m-1", nil, false, false}}},
		{"failover while another action runs", []pass{{"m-0", join, false, false}, {"m-2", join, true, false}}},
		{"switchover seen while it runs", []pass{{"m-0", switchover, false, false}, {"m-1", switchover, true, true},
			{"m-1", nil, false, false}}},
		{"switchover seen after it ended", []pass{{"m-0", nil, false, false}, {"m-0", switchover, false, false},
			{"m-1", nil, true, true}}},
		{"a switchover that moved nothing is forgotten", []pass{{"m-0", switchover, false, false},
			{"m-0", nil, false, false}, {"m-1", nil, true, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w primaryWatch
			for i, p := range tc.passes {
				changed, sw := w.observe(p.primary, p.running)
				if changed != p.changed || sw != p.sw {
					t.Errorf("pass %d (primary %q): changed %t switchover %t, want %t %t", i, p.primary, changed, sw,
						p.changed, p.sw)
				}
			}
		})
	}
}
