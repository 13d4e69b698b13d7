package specs

import (
	"fmt"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Environment of the backup container (the names `orca backup` reads).
const (
	EnvBackupUser     = "ORCA_BACKUP_USER"
	EnvBackupPassword = "ORCA_BACKUP_PASSWORD"
	EnvS3AccessKey    = "AWS_ACCESS_KEY_ID"
	EnvS3SecretKey    = "AWS_SECRET_ACCESS_KEY"
	// ContainerBackup is the backup Job's container.
	ContainerBackup = "backup"
	// BackupTerminationLog is where `orca backup` writes its JSON summary; the kubelet hands it to the
	// operator as the container's termination message.
	BackupTerminationLog = "/dev/termination-log"
)

// BackupJobName is the Job of a MySQLBackup.
func BackupJobName(b *v1.MySQLBackup) string { return b.Name + "-backup" }

// BackupSource is the member a backup is taken from.
type BackupSource struct {
	// Pod is the member's pod; its ordinal gives the host.
	Pod string
	// Ordinal is the pod's ordinal.
	Ordinal int
}

// BackupJobOptions are the operator's settings a backup Job needs.
type BackupJobOptions struct {
	// OrcaImage runs `orca backup`.
	OrcaImage string
	// ClusterZone is the cluster's DNS zone; cluster.local when empty.
	ClusterZone string
	// TLSServerName is the name the members' certificate is checked against instead of the member's own, when
	// it does not name the members (tlsca.Trust.ServerName); "" checks the member's stable name.
	TLSServerName string
}

// BackupCommand is `orca backup` against the source member, into <prefix>/<backup name>/ of the bucket.
func BackupCommand(b *v1.MySQLBackup, c *v1.InnoDBCluster, src BackupSource, zone string) []string {
	o := b.Spec.Options
	cmd := []string{"orca", "backup", "--host=" + MemberHost(c, src.Ordinal, zone), "--port=3306",
		"--compression-level=" + strconv.Itoa(int(max(o.CompressionLevel, 1)))}
	cmd = append(cmd, storageArgs(b.Spec.Storage.S3, b.Name, o.Threads)...)
	if o.UsersAndGrants {
		cmd = append(cmd, "--users")
	}
	return cmd
}

// storageArgs are the flags `orca backup` and `orca restore` share: the backup's S3 location (its id under the
// prefix), the threads, the termination log.
func storageArgs(s3 v1.S3Storage, id string, threads int32) []string {
	return append(s3Args(s3, id), "--threads="+strconv.Itoa(int(max(threads, 1))),
		"--termination-log="+BackupTerminationLog)
}

// s3Args locate a backup (its id under the prefix) or, with no id, the cluster's prefix for
// `orca binlog-archive`.
func s3Args(s3 v1.S3Storage, id string) []string {
	args := []string{"--bucket=" + s3.Bucket, "--prefix=" + s3.Prefix}
	if id != "" {
		args = append(args, "--backup-id="+id)
	}
	if s3.Region != "" {
		args = append(args, "--region="+s3.Region)
	}
	if s3.Endpoint != "" {
		args = append(args, "--endpoint="+s3.Endpoint)
	}
	if s3.PathStyle {
		args = append(args, "--path-style")
	}
	return args
}

// BackupJob builds the Job of a backup: one pod, never retried by Kubernetes (a retry would take a new
// snapshot under the same name; the user creates a new MySQLBackup instead), restricted security context.
func BackupJob(b *v1.MySQLBackup, c *v1.InnoDBCluster, src BackupSource, o BackupJobOptions) *batchv1.Job {
	labels := merge(ObjectLabels(c), map[string]string{v1.LabelComponent: v1.ComponentBackup,
		v1.LabelBackup: b.Name})
	internal, creds := InternalSecretName(c), b.Spec.Storage.S3.CredentialsSecret
	ctr := orcaJobContainer(ContainerBackup, o.OrcaImage, c.Spec.ImagePullPolicy,
		BackupCommand(b, c, src, o.ClusterZone), []corev1.EnvVar{
			{Name: EnvBackupUser, ValueFrom: secretKey(internal, KeyAdminUser)},
			{Name: EnvBackupPassword, ValueFrom: secretKey(internal, KeyAdminPassword)},
			{Name: EnvS3AccessKey, ValueFrom: secretKey(creds, v1.KeyS3AccessKeyID)},
			{Name: EnvS3SecretKey, ValueFrom: secretKey(creds, v1.KeyS3SecretAccessKey)},
		})
	job := orcaJob(BackupJobName(b), b.Namespace, labels, 0, c.Spec.ImagePullSecrets, ctr)
	withClientTrust(&job.Spec.Template.Spec, ClientTrustOf(c, o.TLSServerName))
	return job
}

// BackupLocation is the URL of a backup's objects.
func BackupLocation(b *v1.MySQLBackup) string { return S3Location(b.Spec.Storage.S3, b.Name) }

// S3Location is the URL of the objects of backup id in the storage: s3://<bucket>/<prefix>/<id>.
func S3Location(s3 v1.S3Storage, id string) string {
	if p := strings.Trim(s3.Prefix, "/"); p != "" {
		return fmt.Sprintf("s3://%s/%s/%s", s3.Bucket, p, id)
	}
	return fmt.Sprintf("s3://%s/%s", s3.Bucket, id)
}
