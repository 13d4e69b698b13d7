package specs

import (
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// ContainerRestore is the in-place restore Job's container.
const ContainerRestore = "restore"

// restoreRetries is how often Kubernetes runs an in-place restore again after its pod failed: each run fences
// the members and wipes the first one again before it loads, so a run never builds on a partial one.
const restoreRetries = 2

// RestoreCommand is `orca restore --replace` of the backup into the cluster's first member, after it fenced
// every member (super_read_only, out of the group); with a restore point the archive is replayed after it.
func RestoreCommand(r *v1.MySQLRestore, c *v1.InnoDBCluster, src InitDBSource, zone string) []string {
	cmd := []string{"orca", "restore", "--replace", "--wait-server=" + scratchWait,
		"--host=" + MemberHost(c, 0, zone), "--port=" + strconv.Itoa(PortMySQL)}
	for o := 1; o < int(c.Spec.Instances); o++ {
		cmd = append(cmd, "--fence-host="+MemberHost(c, o, zone))
	}
	cmd = append(cmd, storageArgs(src.Storage, src.ID, r.Spec.Threads)...)
	if r.Spec.UsersAndGrants {
		cmd = append(cmd, "--users")
	}
	if p := r.Spec.RestorePoint; p != "" {
		cmd = append(cmd, "--restore-point="+p)
	}
	return cmd
}

// RestoreJob builds the Job of an in-place restore, run as the cluster's root account.
func RestoreJob(r *v1.MySQLRestore, c *v1.InnoDBCluster, src InitDBSource, o BackupJobOptions) *batchv1.Job {
	labels := merge(ObjectLabels(c), map[string]string{v1.LabelComponent: v1.ComponentRestore,
		v1.LabelRestore: r.Name})
	creds := CredentialsSecretName(c)
	env := append([]corev1.EnvVar{
		{Name: EnvBackupUser, ValueFrom: secretKey(creds, KeyRootUser)},
		{Name: EnvBackupPassword, ValueFrom: secretKey(creds, KeyRootPassword)},
	}, s3Env(src.Storage.CredentialsSecret)...)
	ctr := orcaJobContainer(ContainerRestore, o.OrcaImage, c.Spec.ImagePullPolicy,
		RestoreCommand(r, c, src, o.ClusterZone), env)
	job := orcaJob(v1.RestoreJobName(r.Name), r.Namespace, labels, restoreRetries, c.Spec.ImagePullSecrets, ctr)
	withClientTrust(&job.Spec.Template.Spec, ClientTrustOf(c, o.TLSServerName))
	return job
}
