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
	rep, err := r.reportStatus(ctx, c)
	if err != nil {
		return err
	}
	mutate := func(_ *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) { rep.apply(s, c, applyErr) }
	if _, err := clusterstatus.Update(ctx, r.Client, client.ObjectKeyFromObject(c), mutate); err != nil {
		return err
	}
	if rep.schema.known && rep.schema.status == metav1.ConditionFalse &&
		clusterstatus.ConditionStatus(&c.Status, v1.ConditionCRDSchemaCurrent) != metav1.ConditionFalse {
		emit(r.Recorder, c, events.CRDSchemaOutdated, "%s", rep.schema.message)
	}
	if newlyColocated(c.Status.Conditions, rep.spread) {
		emit(r.Recorder, c, events.MembersColocated, "%s", rep.spread.spread.Describe())
	}
	return nil
}

// statusReport is what the reconciler reads for the status it writes.
type statusReport struct {
	counts podCounts
	spread spreadReport
	router routerReport
	schema schemaReport
}

func (r *InnoDBClusterReconciler) reportStatus(ctx context.Context, c *v1.InnoDBCluster) (statusReport, error) {
	var pods corev1.PodList
	if err := r.List(ctx, &pods, inCluster(c)...); err != nil {
		return statusReport{}, fmt.Errorf("list pods: %w", err)
	}
	spread, err := r.assessSpread(ctx, c, pods.Items)
	if err != nil {
		return statusReport{}, err
	}
	dep, err := r.routerDeployment(ctx, c)
	if err != nil {
		return statusReport{}, err
	}
	return statusReport{counts: countPods(pods.Items), spread: spread, router: reportRouter(c, dep),
		schema: r.schemaCondition()}, nil
}

// apply writes the report into s. Conditions carry the generation this reconcile applied (c), not the one
// stored when it writes: a spec changed meanwhile has not been applied yet.
func (rep statusReport) apply(s *v1.InnoDBClusterStatus, c *v1.InnoDBCluster, applyErr error) {
	gen := c.Generation
	s.ReadyInstances = rep.counts.ready
	status, reason, msg := resourcesCondition(c.Spec.Instances, rep.counts, applyErr)
	clusterstatus.SetCondition(s, gen, v1.ConditionResourcesReady, status, reason, msg)
	clusterstatus.SetCondition(s, gen, v1.ConditionMembersSpread, rep.spread.status, rep.spread.reason,
		rep.spread.message)
	if rep.schema.known {
		clusterstatus.SetCondition(s, gen, v1.ConditionCRDSchemaCurrent, rep.schema.status, rep.schema.reason,
			rep.schema.message)
	}
	s.Router = rep.router.status.DeepCopy()
	clusterstatus.SetCondition(s, gen, v1.ConditionRouterReady, rep.router.ready, rep.router.reason,
		rep.router.message)
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
