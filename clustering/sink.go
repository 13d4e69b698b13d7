package clustering

import (
	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/topology"
)

// ObservationSink receives every pass's view of the members, whatever the pass then does: DNS records
// (dnssrv) follow the loop's observations, not pod readiness.
type ObservationSink interface {
	// Observed is called after each pass's decision with one entry per member. It must not block.
	Observed(key types.NamespacedName, members []ObservedMember)
}

// ObservedMember is one member as a pass saw it.
type ObservedMember struct {
	// Pod is the pod name.
	Pod string
	// Role is the member's role in the group with quorum (PRIMARY, SECONDARY), empty when out of it.
	Role string
	// State is its Group Replication state (ONLINE, RECOVERING, ...), empty when unknown.
	State string
	// Online is Orca's verdict: ONLINE in the group with quorum (health Online).
	Online bool
	// OfflineMode is @@offline_mode: the member refuses application connections.
	OfflineMode bool
	// ApplierQueue is the member's applier backlog, 0 when it could not be queried.
	ApplierQueue int64
	// PodIP is the pod's IP, empty while it has none.
	PodIP string
}

// observed hands the pass's members to the manager's sink, if any.
func (l *loop) observed(o *observation, d *topology.Decision) {
	if l.m.Sink == nil {
		return
	}
	statuses := map[string]*topology.MemberStatus{}
	for i := range o.topo.Members {
		statuses[o.topo.Members[i].Pod] = o.topo.Members[i].Status
	}
	out := make([]ObservedMember, 0, len(d.Members))
	for _, a := range d.Members {
		m := ObservedMember{Pod: a.Pod, Role: string(a.Role), State: string(a.State),
			Online: a.Health == topology.HealthOnline}
		if st := statuses[a.Pod]; st != nil {
			m.OfflineMode, m.ApplierQueue = st.OfflineMode, st.ApplierQueue
		}
		if pod, ok := o.pods[a.Pod]; ok && pod.DeletionTimestamp == nil {
			m.PodIP = pod.Status.PodIP
		}
		out = append(out, m)
	}
	l.m.Sink.Observed(l.key, out)
}
