package clustering

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/topology"
)

// statusMutation writes what the pass observed and decided. An action in flight names the reason; a failed
// one is mentioned (its error is in the events and the log, not in the condition).
func statusMutation(o *observation, d *topology.Decision, running *inflight, failed *failure) clusterstatus.Mutation {
	return func(c *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) {
		before := s.DeepCopy()
		defer func() {
			// Stamped only with a change: an unchanged status is never written (zero writes at steady state).
			if s.LastProbeTime == nil || !equality.Semantic.DeepEqual(before, s) {
				s.LastProbeTime = &metav1.Time{Time: o.at.Truncate(time.Second)}
			}
		}()
		s.ClusterState = apiState(d.State)
		s.Primary = d.Primary
		s.ViewID = d.ViewID
		writeMembers(o, d, s)
		if s.OnlineInstances > 0 {
			s.Bootstrapped = true
		}
		if s.CredentialsFingerprint == "" && s.Bootstrapped && groupOnline(d.State) {
			s.CredentialsFingerprint = o.fingerprint // adopt: the group runs with the passwords it has
		}
		reason, msg := apiReason(d.Reason), d.Message
		if running != nil {
			reason, msg = apiReason(running.action.Reason), running.action.Message+" (in progress)"
		}
		if failed != nil {
			msg = fmt.Sprintf("%s (last action %s on %s failed; see the events)", msg, failed.action.Kind,
				failed.action.Member)
		}
		online := metav1.ConditionFalse
		if groupOnline(d.State) {
			online = metav1.ConditionTrue
		}
		clusterstatus.SetCondition(s, o.cluster.Generation, v1.ConditionGroupOnline, online, reason, msg)
		membersOnline := metav1.ConditionFalse
		if d.State == topology.ClusterOnline {
			membersOnline = metav1.ConditionTrue
		}
		clusterstatus.SetCondition(s, o.cluster.Generation, v1.ConditionProgressing, o.progress.status,
			o.progress.reason, o.progress.message)
		clusterstatus.SetCondition(s, o.cluster.Generation, v1.ConditionMembersOnline, membersOnline, reason,
			fmt.Sprintf("%d of %d members ONLINE; %s", s.OnlineInstances, c.Spec.Instances, msg))
	}
}

func groupOnline(s topology.ClusterState) bool {
	switch s {
	case topology.ClusterOnline, topology.ClusterOnlinePartial, topology.ClusterOnlineUncertain:
		return true
	}
	return false
}

// writeMembers lists every member with its role, state, version, lag and last error.
func writeMembers(o *observation, d *topology.Decision, s *v1.InnoDBClusterStatus) {
	byPod := map[string]*topology.Member{}
	for i := range o.topo.Members {
		byPod[o.topo.Members[i].Pod] = &o.topo.Members[i]
	}
	s.OnlineInstances, s.MaxApplierQueue, s.MaxCertifierQueue = 0, 0, 0
	s.Members = s.Members[:0]
	for _, a := range d.Members {
		if a.Health == topology.HealthOnline {
			s.OnlineInstances++
		}
		ms := v1.MemberStatus{Pod: a.Pod, Role: string(a.Role), State: string(a.State), Health: string(a.Health)}
		if ms.State == "" && !a.Reachable {
			ms.State = "UNKNOWN"
		}
		m := byPod[a.Pod]
		ms.Node, ms.Zone = m.Node, m.Zone
		if st := m.Status; st != nil {
			ms.Version, ms.ServerUUID, ms.OfflineMode, ms.LastError = st.Version, st.ServerUUID, st.OfflineMode,
				st.RecoveryError
			if a.Health == topology.HealthOnline {
				queue, certifying := st.ApplierQueue, st.CertifierQueue
				ms.ApplierQueue, ms.CertifierQueue = &queue, &certifying
				s.MaxCertifierQueue = max(s.MaxCertifierQueue, certifying)
				if a.Role == topology.RoleSecondary {
					s.MaxApplierQueue = max(s.MaxApplierQueue, queue)
				}
			}
		}
		s.Members = append(s.Members, ms)
	}
}
