package clustering_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/clustering"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// sink records the last pass's members per cluster (the suite's Manager reports to it).
var sink = &recordingSink{last: map[types.NamespacedName][]clustering.ObservedMember{}}

type recordingSink struct {
	mu   sync.Mutex
	last map[types.NamespacedName][]clustering.ObservedMember
}

func (s *recordingSink) Observed(key types.NamespacedName, members []clustering.ObservedMember) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last[key] = members
}

func (s *recordingSink) get(key types.NamespacedName) []clustering.ObservedMember {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last[key]
}

// Every pass reports what it observed: after a crash of a secondary the sink sees it out of the group, whatever
// its pod says.
func TestLoopReportsObservedMembersToTheSink(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	key := types.NamespacedName{Namespace: w.ns, Name: "db"}
	want := func(online ...bool) func() error {
		return func() error {
			ms := sink.get(key)
			if len(ms) != 3 {
				return fmt.Errorf("sink has %d members", len(ms))
			}
			for i, m := range ms {
				role := "SECONDARY"
				if i == 0 {
					role = "PRIMARY"
				}
				if m.Online != online[i] || (online[i] && (m.Role != role || m.State != "ONLINE")) {
					return fmt.Errorf("member %d: %+v", i, m)
				}
			}
			return nil
		}
	}
	eventually(t, 30*time.Second, want(true, true, true))
	w.members[2].Crash()
	eventually(t, 30*time.Second, want(true, true, false))
	if w.members[2].State() == mysqlsim.StateOnline {
		t.Fatal("the crashed member is still ONLINE")
	}
}
