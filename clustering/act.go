package clustering

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/topology"
)

func decide(o *observation) topology.Decision { return topology.Decide(o.topo) }

// act runs one action to its end (in its own goroutine: see loop.start), then records what it changed
// for good. A failure is logged with its error and emitted as an ActionFailed event.
func (l *loop) act(ctx context.Context, o *observation, a topology.Action) error {
	logger := log.FromContext(ctx)
	logger.Info("running action", "reason", string(a.Reason), "message", a.Message)
	pod := memberPod(o, a.Member)
	if a.Errant != "" {
		// The evidence goes on record before the clone wipes it: these were acknowledged writes.
		events.Emit(l.m.Recorder, o.cluster, pod, events.ErrantTransactionsDiscarded,
			"discarding errant transactions of %s at %s: %s", a.Member, o.at.UTC().Format("2006-01-02T15:04:05Z"),
			truncate(a.Errant, 900))
	}
	events.Emit(l.m.Recorder, o.cluster, pod, events.ForAction(a.Kind), "%s", a.Message)
	err := l.m.Executor.Run(ctx, o.info, a)
	switch {
	case errors.Is(err, mysqladmin.ErrRestartNeeded):
		// The clone finished but mysqld has no supervisor to restart it: restarting the pod does.
		logger.Info("member needs a restart to finish the clone; deleting its pod")
		err = l.deletePod(context.WithoutCancel(ctx), o, a.Member)
	case errors.Is(err, mysqladmin.ErrCloneUnfinished):
		// Not a failure: the server clones on and restarts; clone_status tells the next passes.
		logger.Info("the session ended during the clone; the member clones on and restarts", "error", err.Error())
		err = nil
	}
	if err != nil {
		logger.Error(err, "action failed")
		events.Emit(l.m.Recorder, o.cluster, pod, events.ActionFailed, "%s on %s failed: %v",
			a.Kind, a.Member, err)
		return fmt.Errorf("%s on %s: %w", a.Kind, a.Member, err)
	}
	if err := l.afterAction(context.WithoutCancel(ctx), o, a); err != nil {
		logger.Error(err, "recording the action's result failed")
		return err
	}
	logger.Info("action done")
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// memberPod is the pod an action runs on, as an event's related object (nil when it has none).
func memberPod(o *observation, pod string) runtime.Object {
	if p, ok := o.pods[pod]; ok {
		return p
	}
	return nil
}

// afterAction records what an action changed for good: a bootstrap marks the cluster as bootstrapped and
// records the passwords it set, a rotation records them too, an upgrade replaces the member's pod, and
// one-shot annotations are removed once they did their work.
func (l *loop) afterAction(ctx context.Context, o *observation, a topology.Action) error {
	var drop string
	switch a.Kind {
	case topology.ActionBootstrapGroup, topology.ActionRebootGroup:
		if err := l.recordStatus(ctx, func(s *v1.InnoDBClusterStatus) {
			s.Bootstrapped = true
			if a.Kind == topology.ActionBootstrapGroup || s.CredentialsFingerprint == "" {
				s.CredentialsFingerprint = o.fingerprint
			}
		}); err != nil {
			return err
		}
		if o.topo.Requests.ForceRebootFrom != "" {
			drop = v1.AnnotationForceRebootFrom
		}
	case topology.ActionRotateCredentials:
		return l.recordStatus(ctx, func(s *v1.InnoDBClusterStatus) { s.CredentialsFingerprint = o.fingerprint })
	case topology.ActionForceQuorum:
		if o.topo.Requests.ForceQuorum {
			drop = v1.AnnotationForceQuorum
		}
	case topology.ActionCloneMember:
		if a.Errant != "" {
			drop = v1.AnnotationAllowErrantWipe
		}
	case topology.ActionUpgradeMember, topology.ActionAdoptMember:
		// The member left the group (an adopted one leaves as mysqld shuts down); deleting its pod makes the
		// StatefulSet recreate it at the new revision.
		return l.deletePod(ctx, o, a.Member)
	case topology.ActionMoveMember:
		// Recorded before the pod goes: the member is never moved twice in one request.
		node := ""
		if p, ok := o.pods[a.Member]; ok {
			node = p.Spec.NodeName
		}
		if err := l.recordMove(ctx, a.Member, node); err != nil {
			return err
		}
		return l.deletePod(ctx, o, a.Member)
	}
	if drop == "" {
		return nil
	}
	return l.dropAnnotation(ctx, drop)
}

func (l *loop) recordStatus(ctx context.Context, f func(*v1.InnoDBClusterStatus)) error {
	_, err := clusterstatus.Update(ctx, l.m.Client, l.key, func(_ *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) {
		f(s)
	})
	return err
}

func (l *loop) deletePod(ctx context.Context, o *observation, pod string) error {
	p, ok := o.pods[pod]
	if !ok {
		return nil
	}
	if err := l.m.Client.Delete(ctx, p, client.Preconditions{UID: &p.UID}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s: %w", pod, err)
	}
	l.rememberDeleted(pod, p.UID)
	return nil
}

// dropAnnotation removes the annotations from the cluster in one patch (none there: no write).
func (l *loop) dropAnnotation(ctx context.Context, keys ...string) error {
	var c v1.InnoDBCluster
	if err := l.m.Client.Get(ctx, l.key, &c); err != nil {
		return fmt.Errorf("get cluster: %w", err)
	}
	patch := client.MergeFrom(c.DeepCopy())
	found := false
	for _, key := range keys {
		if _, ok := c.Annotations[key]; ok {
			delete(c.Annotations, key)
			found = true
		}
	}
	if !found {
		return nil
	}
	if err := l.m.Client.Patch(ctx, &c, patch); err != nil {
		return fmt.Errorf("remove annotations %v: %w", keys, err)
	}
	return nil
}

// isConflict reports an optimistic-concurrency conflict: routine, retried, not worth an error log.
func isConflict(err error) bool { return apierrors.IsConflict(err) }
