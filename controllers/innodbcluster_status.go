package controllers

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/events"
)

// podCounts is what the reconciler reports of the member pods; group state is the cluster loop's to write.
type podCounts struct {
	running, ready int32
}

func countPods(pods []corev1.Pod) podCounts {
	var n podCounts
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
			continue
		}
		n.running++
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				n.ready++
			}
		}
	}
	return n
}

// writeStatus records the outcome of applying objects: ResourcesReady, ready pods, the routers (status.router,
// RouterReady), MembersSpread, and the placeholders the cluster loop fills in once it has observed the group.
// An event names the colocated members when MembersSpread turns False.
func (r *InnoDBClusterReconciler) writeStatus(ctx context.Context, c *v1.InnoDBCluster, applyErr error) error {
	var pods corev1.PodList
	if err := r.List(ctx, &pods, inCluster(c)...); err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	counts := countPods(pods.Items)
	spread, err := r.assessSpread(ctx, c, pods.Items)
	if err != nil {
		return err
	}
	dep, err := r.routerDeployment(ctx, c)
	if err != nil {
		return err
	}
	router := reportRouter(c, dep)
	schema := r.schemaCondition()
	// Conditions carry the generation this reconcile applied (c), not the one stored when it writes: a spec
	// changed meanwhile has not been applied yet.
	gen := c.Generation
	mutate := func(_ *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) {
		s.ReadyInstances = counts.ready
		status, reason, msg := resourcesCondition(c.Spec.Instances, counts, applyErr)
		clusterstatus.SetCondition(s, gen, v1.ConditionResourcesReady, status, reason, msg)
		clusterstatus.SetCondition(s, gen, v1.ConditionMembersSpread, spread.status, spread.reason,
			spread.message)
		if schema.known {
			clusterstatus.SetCondition(s, gen, v1.ConditionCRDSchemaCurrent, schema.status, schema.reason,
				schema.message)
		}
		s.Router = router.status.DeepCopy()
		clusterstatus.SetCondition(s, gen, v1.ConditionRouterReady, router.ready, router.reason,
			router.message)
		if s.ClusterState == "" {
			s.ClusterState = v1.ClusterStatePending
		}
		for _, t := range []v1.ConditionType{v1.ConditionGroupOnline, v1.ConditionMembersOnline} {
			if clusterstatus.ConditionStatus(s, t) == metav1.ConditionUnknown {
				clusterstatus.SetCondition(s, gen, t, metav1.ConditionUnknown, v1.ReasonNotObserved,
					"the group has not been observed yet")
			}
		}
	}
	if _, err := clusterstatus.Update(ctx, r.Client, client.ObjectKeyFromObject(c), mutate); err != nil {
		return err
	}
	if schema.known && schema.status == metav1.ConditionFalse &&
		clusterstatus.ConditionStatus(&c.Status, v1.ConditionCRDSchemaCurrent) != metav1.ConditionFalse {
		emit(r.Recorder, c, events.CRDSchemaOutdated, "%s", schema.message)
	}
	if newlyColocated(c.Status.Conditions, spread) {
		emit(r.Recorder, c, events.MembersColocated, "%s", spread.spread.Describe())
	}
	return nil
}

func resourcesCondition(want int32, n podCounts, applyErr error) (
	metav1.ConditionStatus, v1.ConditionReason, string) {
	switch {
	case errors.Is(applyErr, errSecretInvalid):
		return metav1.ConditionFalse, v1.ReasonSecretInvalid, applyErr.Error()
	case applyErr != nil:
		return metav1.ConditionFalse, v1.ReasonApplyFailed, applyErr.Error()
	case n.running < want:
		msg := fmt.Sprintf("%d of %d member pods are running", n.running, want)
		return metav1.ConditionFalse, v1.ReasonPodsNotReady, msg
	default:
		msg := fmt.Sprintf("all objects applied; %d member pods running", n.running)
		return metav1.ConditionTrue, v1.ReasonApplied, msg
	}
}
