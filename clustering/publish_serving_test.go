package clustering

import (
	"slices"
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

// The new primary is labelled before the members it replaces, whatever their ordinals.
func TestPrimaryFirst(t *testing.T) {
	ms := []topology.Assessment{{Pod: "db-0", Role: topology.RoleSecondary}, {Pod: "db-1"},
		{Pod: "db-2", Role: topology.RolePrimary}, {Pod: "db-3", Role: topology.RoleSecondary}}
	var got []string
	for _, a := range primaryFirst(ms) {
		got = append(got, a.Pod)
	}
	if want := []string{"db-2", "db-0", "db-1", "db-3"}; !slices.Equal(got, want) {
		t.Errorf("primaryFirst order = %v, want %v", got, want)
	}
}
