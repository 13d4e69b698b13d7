package specs

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// orcaJobContainer is a container of an `orca` Job: restricted, read-only root, its termination message read
// from BackupTerminationLog (where the command leaves its JSON summary or its error).
func orcaJobContainer(name, image string, pull corev1.PullPolicy, cmd []string, env []corev1.EnvVar) corev1.Container {
	sc := restrictedSecurityContext()
	sc.ReadOnlyRootFilesystem = ptr.To(true)
	sc.RunAsNonRoot = ptr.To(true)
	return corev1.Container{
		Name: name, Image: image, ImagePullPolicy: pull, Command: cmd, Env: env,
		TerminationMessagePath:   BackupTerminationLog,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		SecurityContext:          sc,
	}
}

// orcaJob is a Job of one never-restarted pod running ctr, without a service account token or service links.
func orcaJob(name, ns string, labels map[string]string, backoff int32, pullSecrets []corev1.LocalObjectReference,
	ctr corev1.Container) *batchv1.Job {
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: batchv1.JobSpec{
			BackoffLimit: ptr.To(backoff),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyNever,
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					ImagePullSecrets:             pullSecrets,
					SecurityContext:              orcaPodSecurityContext(),
					Containers:                   []corev1.Container{ctr},
				},
			},
		},
	}
}
