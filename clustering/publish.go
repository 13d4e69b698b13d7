package clustering

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/topology"
)

const defaultActionTimeout = 10 * time.Minute

var roleLabels = map[topology.Role]string{
	topology.RolePrimary:   v1.RolePrimary,
	topology.RoleSecondary: v1.RoleSecondary,
}

// publish makes the decision visible: pod role labels (which the primary and replica Services follow),
// readiness gates, and the cluster's status.
func (l *loop) publish(ctx context.Context, o *observation, d *topology.Decision, actErr error) error {
	if err := l.labelPods(ctx, o, d); err != nil {
		return err
	}
	if _, err := clusterstatus.Update(ctx, l.m.Client, l.key, statusMutation(d, actErr)); err != nil {
		return err
	}
	for _, f := range d.Findings {
		if f.Reason == topology.ReasonSwitchoverDone && o.topo.Requests.SwitchoverTo != "" {
			// The request is fulfilled: clear it so a later failover is not undone by a stale request.
			return l.dropAnnotation(ctx, v1.AnnotationSwitchoverTo)
		}
	}
	return nil
}

func (l *loop) markBootstrapped(ctx context.Context) error {
	_, err := clusterstatus.Update(ctx, l.m.Client, l.key, func(_ *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) {
		s.Bootstrapped = true
	})
	return err
}

func statusMutation(d *topology.Decision, actErr error) clusterstatus.Mutation {
	return func(c *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) {
		s.ClusterState = v1.ClusterState(d.State)
		s.Primary = d.Primary
		s.ViewID = d.ViewID
		s.OnlineInstances = 0
		s.Members = s.Members[:0]
		for _, m := range d.Members {
			if m.Health == topology.HealthOnline {
				s.OnlineInstances++
			}
			state := string(m.State)
			if state == "" && !m.Reachable {
				state = "UNKNOWN"
			}
			s.Members = append(s.Members, v1.MemberStatus{Pod: m.Pod, Role: string(m.Role), State: state})
		}
		if s.OnlineInstances > 0 {
			s.Bootstrapped = true
		}
		reason, msg := v1.ConditionReason(d.Reason), d.Message
		if actErr != nil {
			msg = fmt.Sprintf("%s (last action failed: %v)", msg, actErr)
		}
		groupOnline := metav1.ConditionFalse
		switch d.State {
		case topology.ClusterOnline, topology.ClusterOnlinePartial, topology.ClusterOnlineUncertain:
			groupOnline = metav1.ConditionTrue
		}
		clusterstatus.SetCondition(s, c.Generation, v1.ConditionGroupOnline, groupOnline, reason, msg)
		membersOnline := metav1.ConditionFalse
		if d.State == topology.ClusterOnline {
			membersOnline = metav1.ConditionTrue
		}
		clusterstatus.SetCondition(s, c.Generation, v1.ConditionMembersOnline, membersOnline, reason,
			fmt.Sprintf("%d of %d members ONLINE; %s", s.OnlineInstances, c.Spec.Instances, msg))
	}
}

// labelPods sets mysql.orca.dev/role on members in the group and removes it elsewhere, and sets the
// readiness gate: only an ONLINE member is Ready, and a RECOVERING member is simply not Ready (never killed).
func (l *loop) labelPods(ctx context.Context, o *observation, d *topology.Decision) error {
	for _, m := range d.Members {
		pod, ok := o.pods[m.Pod]
		if !ok || pod.DeletionTimestamp != nil {
			continue
		}
		role := ""
		if m.Health == topology.HealthOnline {
			role = roleLabels[m.Role]
		}
		if err := l.setRole(ctx, pod, role); err != nil {
			return err
		}
		if err := l.setGate(ctx, pod, m.Health == topology.HealthOnline, string(m.Health)); err != nil {
			return err
		}
	}
	return nil
}

func (l *loop) setRole(ctx context.Context, pod *corev1.Pod, role string) error {
	if pod.Labels[v1.LabelRole] == role {
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
	patch := client.MergeFromWithOptions(pod.DeepCopy(), client.MergeFromWithOptimisticLock{})
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

// emit records an event on obj. related names the member pod it concerns (nil for none): the events API folds
// events with the same reason, object and related object into one series that keeps the first note, so
// without it every JoinMember of a cluster would read as the first one.
func emit(r recorder.EventRecorder, obj, related runtime.Object, typ, reason, action, format string, args ...any) {
	if r != nil {
		r.Eventf(obj, related, typ, reason, action, format, args...)
	}
}
