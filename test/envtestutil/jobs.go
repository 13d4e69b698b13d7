package envtestutil

import (
	"context"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// FinishJob does what the kubelet and the Job controller would (envtest runs neither) for a Job of one pod: it
// creates the pod <job>-pod with podLabels, its container terminated with msg as termination message, and marks
// the Job complete (ok) or failed.
func FinishJob(ctx context.Context, c client.Client, namespace, job string, podLabels map[string]string, ok bool,
	msg string) error {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: job + "-pod", Labels: podLabels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "orca:test"}}}}
	if err := c.Create(ctx, pod); err != nil {
		return fmt.Errorf("create pod of job %s: %w", job, err)
	}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{Message: msg}}}}
	if err := c.Status().Update(ctx, pod); err != nil {
		return fmt.Errorf("terminate pod of job %s: %w", job, err)
	}
	var j batchv1.Job
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: job}, &j); err != nil {
		return fmt.Errorf("get job %s: %w", job, err)
	}
	now := metav1.Now()
	j.Status.StartTime = &now
	if ok {
		j.Status.CompletionTime, j.Status.Succeeded = &now, 1
		j.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now}}
	} else {
		j.Status.Failed = 1
		j.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, LastTransitionTime: now,
				Reason: "BackoffLimitExceeded"},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, LastTransitionTime: now,
				Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"}}
	}
	if err := c.Status().Update(ctx, &j); err != nil {
		return fmt.Errorf("finish job %s: %w", job, err)
	}
	return nil
}
