package clustering

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/topology"
)

func decide(o *observation) topology.Decision { return topology.Decide(o.topo) }

// act runs the decision's first action, if any. It reports whether an action ran.
func (l *loop) act(ctx context.Context, o *observation, d *topology.Decision) (bool, error) {
	a, ok := d.Next()
	if !ok {
		return false, nil
	}
	logger := log.FromContext(ctx).WithValues("action", string(a.Kind), "member", a.Member)
	logger.Info("running action", "reason", string(a.Reason), "message", a.Message)
	pod := memberPod(o, a.Member)
	emit(l.m.Recorder, o.cluster, pod, corev1.EventTypeNormal, string(a.Kind), "Act", "%s", a.Message)
	actx, cancel := context.WithTimeout(ctx, orDefault(l.m.ActionTimeout, defaultActionTimeout))
	defer cancel()
	err := l.m.Executor.Run(actx, o.info, a)
	if errors.Is(err, mysqladmin.ErrRestartNeeded) {
		// The clone finished but mysqld has no supervisor to restart it: restarting the pod does.
		logger.Info("member needs a restart to finish the action; deleting its pod")
		err = l.deletePod(ctx, o, a.Member)
	}
	if err != nil {
		emit(l.m.Recorder, o.cluster, pod, corev1.EventTypeWarning, "ActionFailed", "Act", "%s on %s failed: %v",
			a.Kind, a.Member, err)
		return true, fmt.Errorf("%s on %s: %w", a.Kind, a.Member, err)
	}
	if a.Kind == topology.ActionUpgradeMember {
		// The member left the group; deleting its pod makes the StatefulSet recreate it at the new revision.
		if err := l.deletePod(ctx, o, a.Member); err != nil {
			return true, err
		}
	}
	if err := l.afterAction(ctx, o, a); err != nil {
		return true, err
	}
	logger.Info("action done")
	return true, nil
}

// memberPod is the pod an action runs on, as an event's related object (nil when it has none).
func memberPod(o *observation, pod string) runtime.Object {
	if p, ok := o.pods[pod]; ok {
		return p
	}
	return nil
}

// afterAction records what an action changed for good: a bootstrap marks the cluster as bootstrapped, and
// one-shot force annotations are removed once they did their work.
func (l *loop) afterAction(ctx context.Context, o *observation, a topology.Action) error {
	var drop string
	switch a.Kind {
	case topology.ActionBootstrapGroup, topology.ActionRebootGroup:
		if err := l.markBootstrapped(ctx); err != nil {
			return err
		}
		if o.topo.Requests.ForceRebootFrom != "" {
			drop = v1.AnnotationForceRebootFrom
		}
	case topology.ActionForceQuorum:
		drop = v1.AnnotationForceQuorum
	default:
		return nil
	}
	if drop == "" {
		return nil
	}
	return l.dropAnnotation(ctx, drop)
}

func (l *loop) deletePod(ctx context.Context, o *observation, pod string) error {
	p, ok := o.pods[pod]
	if !ok {
		return nil
	}
	if err := l.m.Client.Delete(ctx, p, client.Preconditions{UID: &p.UID}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s: %w", pod, err)
	}
	return nil
}

func (l *loop) dropAnnotation(ctx context.Context, key string) error {
	var c v1.InnoDBCluster
	if err := l.m.Client.Get(ctx, l.key, &c); err != nil {
		return fmt.Errorf("get cluster: %w", err)
	}
	if _, ok := c.Annotations[key]; !ok {
		return nil
	}
	patch := client.MergeFrom(c.DeepCopy())
	delete(c.Annotations, key)
	if err := l.m.Client.Patch(ctx, &c, patch); err != nil {
		return fmt.Errorf("remove annotation %s: %w", key, err)
	}
	return nil
}
