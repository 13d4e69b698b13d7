package clustering

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/topology"
)

var roleLabels = map[topology.Role]string{
	topology.RolePrimary:   v1.RolePrimary,
	topology.RoleSecondary: v1.RoleSecondary,
}

// publish makes the decision visible: pod role labels (which the primary and replica Services follow),
// readiness gates, and the cluster's status. It runs every pass, whatever action is in flight.
func (l *loop) publish(ctx context.Context, o *observation, d *topology.Decision, running *inflight,
	failed *failure) error {
	if err := l.labelPods(ctx, o, d); err != nil {
		return err
	}
	if _, err := clusterstatus.Update(ctx, l.m.Client, l.key, statusMutation(o, d, running, failed)); err != nil {
		return err
	}
	for _, f := range d.Findings {
		if f.Reason == topology.ReasonSwitchoverDone && o.topo.Requests.SwitchoverTo != "" {
			// The request is fulfilled: clear it so a later failover is not undone by a stale request.
			if err := l.dropAnnotation(ctx, v1.AnnotationSwitchoverTo); err != nil {
				return err
			}
		}
	}
	return l.endRebalance(ctx, o, d)
}

// labelPods sets mysql.orca.dev/role on members serving in the group and removes it elsewhere, and sets the
// readiness gate: only an ONLINE member that accepts connections (offline_mode OFF) is Ready, and a
// RECOVERING member is simply not Ready (never killed). A member Orca queried ONLINE also gets its
// container's restart count recorded, which is what lets a later restart be told apart.
func (l *loop) labelPods(ctx context.Context, o *observation, d *topology.Decision) error {
	members := map[string]*topology.Member{}
	for i := range o.topo.Members {
		members[o.topo.Members[i].Pod] = &o.topo.Members[i]
	}
	for _, a := range primaryFirst(d.Members) {
		pod, ok := o.pods[a.Pod]
		if !ok || pod.DeletionTimestamp != nil {
			continue
		}
		m := members[a.Pod]
		if awaitingAdoption(m) {
			continue // what the Orca that started it published stands until it serves Orca's certificate
		}
		serving := servingNow(a, m, pod.Labels[v1.LabelRole] != "")
		role := ""
		if serving {
			role = roleLabels[a.Role]
		}
		if err := l.setRole(ctx, pod, role, serving && a.Reachable); err != nil {
			return err
		}
		if err := l.setGate(ctx, pod, serving, gateReason(a, m)); err != nil {
			return err
		}
	}
	return nil
}

// primaryFirst orders the primary before the other members: after a failover its label is the one the
// primary Service waits for, and the demoted members' writes (two each) would otherwise come first whenever
// they sort before it. Both labelled for a moment is what ordinal order already gave when the new primary
// sorts first; the old one, demoted, refuses writes (super_read_only) or is gone.
func primaryFirst(ms []topology.Assessment) []topology.Assessment {
	out := make([]topology.Assessment, 0, len(ms))
	for _, a := range ms {
		if a.Role == topology.RolePrimary {
			out = append(out, a)
		}
	}
	for _, a := range ms {
		if a.Role != topology.RolePrimary {
			out = append(out, a)
		}
	}
	return out
}

// servingNow: an ONLINE member that accepts connections. One the operator could not query this pass has an
// unknown offline_mode (a member just rejoined from ERROR still has it ON), so it keeps what it had: a flapping
// connection does not unlabel a serving member, and an unverified one is not labelled.
func servingNow(a topology.Assessment, m *topology.Member, labelled bool) bool {
	if a.Health != topology.HealthOnline {
		return false
	}
	if m.Status != nil {
		return !m.Status.OfflineMode
	}
	return labelled && !m.Restarted
}

// awaitingAdoption: a member started before Orca managed TLS that answers with a certificate Orca cannot
// verify. Its labels and readiness are left as they are: unlabelling it would take the primary Service's only
// endpoint away for the whole adoption, which restarts the members one at a time (docs/tls.md).
func awaitingAdoption(m *topology.Member) bool { return m.PreTLS && m.Untrusted && m.Status == nil }

func gateReason(a topology.Assessment, m *topology.Member) string {
	if a.Health == topology.HealthOnline && m.Status != nil && m.Status.OfflineMode {
		return "OfflineMode"
	}
	return string(a.Health)
}

// setRole sets (or removes) the role label; verified also records the container's restart count.
func (l *loop) setRole(ctx context.Context, pod *corev1.Pod, role string, verified bool) error {
	count := restartCount(pod)
	recorded, hasRecord := pod.Annotations[v1.AnnotationOnlineRestarts]
	if pod.Labels[v1.LabelRole] == role && (!verified || (hasRecord && recorded == count)) {
		return nil
	}
	patch := client.MergeFrom(pod.DeepCopy())
	if role == "" {
		delete(pod.Labels, v1.LabelRole)
	} else {
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		pod.Labels[v1.LabelRole] = role
	}
	if verified {
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		pod.Annotations[v1.AnnotationOnlineRestarts] = count
	}
	if err := l.m.Client.Patch(ctx, pod, patch); err != nil {
		return fmt.Errorf("label pod %s role=%q: %w", pod.Name, role, err)
	}
	return nil
}

func (l *loop) setGate(ctx context.Context, pod *corev1.Pod, online bool, health string) error {
	status := corev1.ConditionFalse
	if online {
		status = corev1.ConditionTrue
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == specs.ReadinessGateOnline && c.Status == status {
			return nil
		}
	}
	if !online && !hasCondition(pod, specs.ReadinessGateOnline) {
		// Absent already counts as not Ready; writing it would only add a write per pass.
		return nil
	}
	// A strategic merge patch merges conditions by type: the kubelet's own conditions, written at the same
	// moment (a terminating pod's), neither conflict with it nor are overwritten by it.
	patch := client.StrategicMergeFrom(pod.DeepCopy())
	cond := corev1.PodCondition{Type: specs.ReadinessGateOnline, Status: status, Reason: health,
		LastTransitionTime: metav1.Now()}
	replaced := false
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == specs.ReadinessGateOnline {
			pod.Status.Conditions[i] = cond
			replaced = true
		}
	}
	if !replaced {
		pod.Status.Conditions = append(pod.Status.Conditions, cond)
	}
	if err := l.m.Client.Status().Patch(ctx, pod, patch); err != nil {
		return fmt.Errorf("set readiness gate of pod %s: %w", pod.Name, err)
	}
	return nil
}

func hasCondition(p *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return true
		}
	}
	return false
}
