package specs

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// ContainerBackupDelete is the container of the Job that deletes a backup's objects.
const ContainerBackupDelete = "delete"

// BackupDeleteJobName is the Job that deletes a MySQLBackup's objects.
func BackupDeleteJobName(b *v1.MySQLBackup) string { return b.Name + "-delete" }

// BackupDeleteCommand is `orca delete-backup` for the backup's location.
func BackupDeleteCommand(b *v1.MySQLBackup) []string {
	return append([]string{"orca", "delete-backup", "--termination-log=" + BackupTerminationLog},
		s3Args(b.Spec.Storage.S3, b.Name)...)
}

// BackupDeleteJob builds the Job that deletes a backup's objects with the backup's S3 credentials: the operator
// never holds them. Deleting is idempotent, so Kubernetes may retry it. c may be nil (the cluster is gone): the
// image is then pulled IfNotPresent without pull secrets.
func BackupDeleteJob(b *v1.MySQLBackup, c *v1.InnoDBCluster, o BackupJobOptions) *batchv1.Job {
	labels := map[string]string{v1.LabelCluster: b.Spec.ClusterName, v1.LabelManagedBy: v1.ManagedByOrca,
		v1.LabelComponent: v1.ComponentBackupDelete, v1.LabelBackup: b.Name}
	policy, pullSecrets := corev1.PullIfNotPresent, []corev1.LocalObjectReference(nil)
	if c != nil {
		policy, pullSecrets = c.Spec.ImagePullPolicy, c.Spec.ImagePullSecrets
	}
	creds := b.Spec.Storage.S3.CredentialsSecret
	ctr := orcaJobContainer(ContainerBackupDelete, o.OrcaImage, policy, BackupDeleteCommand(b), []corev1.EnvVar{
		{Name: EnvS3AccessKey, ValueFrom: secretKey(creds, v1.KeyS3AccessKeyID)},
		{Name: EnvS3SecretKey, ValueFrom: secretKey(creds, v1.KeyS3SecretAccessKey)},
	})
	return orcaJob(BackupDeleteJobName(b), b.Namespace, labels, 2, pullSecrets, ctr)
}
