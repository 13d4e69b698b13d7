package controllers

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// jobState is a Job's outcome and its pod's termination message.
type jobState struct {
	Succeeded, Failed bool
	Message           string
}

func jobFinished(j *batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// readJobState reads a Job's outcome and, once it has one, its pod's termination message. Pods are found by the
// Job's component and its backup (or, for a cluster's own Jobs, its cluster).
func readJobState(ctx context.Context, c client.Reader, j *batchv1.Job) (jobState, error) {
	var st jobState
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		st.Succeeded = st.Succeeded || c.Type == batchv1.JobComplete
		st.Failed = st.Failed || c.Type == batchv1.JobFailed
		if c.Type == batchv1.JobFailed {
			st.Message = c.Message
		}
	}
	if !st.Succeeded && !st.Failed {
		return st, nil
	}
	sel := client.MatchingLabels{v1.LabelComponent: j.Labels[v1.LabelComponent]}
	if b := j.Labels[v1.LabelBackup]; b != "" {
		sel[v1.LabelBackup] = b
	} else if r := j.Labels[v1.LabelRestore]; r != "" {
		sel[v1.LabelRestore] = r
	} else {
		sel[v1.LabelCluster] = j.Labels[v1.LabelCluster]
	}
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.InNamespace(j.Namespace), sel); err != nil {
		return st, fmt.Errorf("list pods of job %s: %w", j.Name, err)
	}
	for _, p := range pods.Items {
		for _, cs := range p.Status.ContainerStatuses {
			if t := cs.State.Terminated; t != nil && t.Message != "" {
				st.Message = t.Message
			}
		}
	}
	return st, nil
}

// deleteJob deletes a Job and its pods; a Job already gone is fine.
func deleteJob(ctx context.Context, c client.Writer, namespace, name string) error {
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	err := c.Delete(ctx, job, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete job %s: %w", name, err)
	}
	return nil
}
