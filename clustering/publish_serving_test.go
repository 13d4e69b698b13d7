package clustering

import (
	"testing"

	"github.com/orca-operator/orca/topology"
)

// A member the operator could not query keeps its labelling: never labelled on the group's word alone (its
// offline_mode is unknown), never unlabelled for a flapping connection, unless it restarted.
func TestServingNow(t *testing.T) {
	online := topology.Assessment{Health: topology.HealthOnline}
	queried := func(offline bool) *topology.Member {
		return &topology.Member{Status: &topology.MemberStatus{OfflineMode: offline}}
	}
	for _, tc := range []struct {
		name     string
		a        topology.Assessment
		m        *topology.Member
		labelled bool
		want     bool
	}{
		{"queried, accepting", online, queried(false), false, true},
		{"queried, offline_mode ON", online, queried(true), true, false},
		{"not queried, not labelled yet", online, &topology.Member{}, false, false},
		{"not queried, labelled", online, &topology.Member{}, true, true},
		{"not queried, restarted", online, &topology.Member{Restarted: true}, true, false},
		{"not ONLINE", topology.Assessment{Health: topology.HealthError}, queried(false), true, false},
	} {
		if got := servingNow(tc.a, tc.m, tc.labelled); got != tc.want {
			t.Errorf("%s: servingNow = %v, want %v", tc.name, got, tc.want)
		}
	}
}
