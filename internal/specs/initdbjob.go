package specs

import (
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// ContainerInitDB is the initDB restore Job's container.
const ContainerInitDB = "initdb"

// initDBRetries is how often Kubernetes runs the initDB restore again after its pod failed (evicted, its node
// lost, the member restarted): each run resumes from the progress the last one recorded in the member.
const initDBRetries = 2

// InitDBJobName is the Job restoring spec.initDB into a cluster's first member.
func InitDBJobName(c *v1.InnoDBCluster) string { return c.Name + "-initdb" }

// InitDBSource is the backup spec.initDB restores: its storage and its id under the prefix.
type InitDBSource struct {
	Storage v1.S3Storage
	ID      string
}

// InitDBCommand is `orca restore` of the backup into the cluster's first member (ordinal 0), which no group
// runs on yet. The member records the backup's GTID set as purged (--set-gtid-purged): the group it bootstraps
// then holds the source's history up to the snapshot, its own load transactions besides.
func InitDBCommand(c *v1.InnoDBCluster, src InitDBSource, zone string) []string {
	d := c.Spec.InitDB.Dump
	cmd := []string{"orca", "restore", "--wait-server=" + scratchWait, "--host=" + MemberHost(c, 0, zone),
		"--port=" + strconv.Itoa(PortMySQL), "--set-gtid-purged"}
	cmd = append(cmd, storageArgs(src.Storage, src.ID, d.Threads)...)
	if d.UsersAndGrants {
		cmd = append(cmd, "--users")
	}
	if p := c.Spec.InitDB.RestorePoint; p != "" {
		cmd = append(cmd, "--restore-point="+p)
	}
	return cmd
}

// InitDBJob builds the Job restoring spec.initDB into the first member as the cluster's root account (the only
// one before the group is bootstrapped). A failed pod is run again a few times: the restore resumes. A replay to
// a restore point is not: transactions replayed before the failure would be applied twice.
func InitDBJob(c *v1.InnoDBCluster, src InitDBSource, o BackupJobOptions) *batchv1.Job {
	retries := int32(initDBRetries)
	if c.Spec.InitDB.RestorePoint != "" {
		retries = 0
	}
	labels := merge(ObjectLabels(c), map[string]string{v1.LabelComponent: v1.ComponentInitDB})
	creds := CredentialsSecretName(c)
	env := append([]corev1.EnvVar{
		{Name: EnvBackupUser, ValueFrom: secretKey(creds, KeyRootUser)},
		{Name: EnvBackupPassword, ValueFrom: secretKey(creds, KeyRootPassword)},
	}, s3Env(src.Storage.CredentialsSecret)...)
	ctr := orcaJobContainer(ContainerInitDB, o.OrcaImage, c.Spec.ImagePullPolicy, InitDBCommand(c, src, o.ClusterZone),
		env)
	job := orcaJob(InitDBJobName(c), c.Namespace, labels, retries, c.Spec.ImagePullSecrets, ctr)
	withClientTrust(&job.Spec.Template.Spec, ClientTrustOf(c, o.TLSServerName))
	return job
}
