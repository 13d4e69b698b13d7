package specs

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// ContainerBinlogArchive is the archiver pod's only container.
const ContainerBinlogArchive = "binlog-archive"

// archiverGracePeriodSeconds lets `orca binlog-archive` upload what it holds after SIGTERM.
const archiverGracePeriodSeconds = 60

// ArchiverName is the binary log archiver's Deployment.
func ArchiverName(c *v1.InnoDBCluster) string { return c.Name + "-binlog-archive" }

// ArchiverOptions are the operator's settings the archiver needs.
type ArchiverOptions struct {
	// OrcaImage runs `orca binlog-archive`.
	OrcaImage string
	// ClusterZone is the cluster's DNS zone; cluster.local when empty.
	ClusterZone string
	// TLSServerName is checked instead of each member's name when their certificate does not name them
	// (BackupJobOptions.TLSServerName).
	TLSServerName string
}

// ArchiverCommand is `orca binlog-archive` following every member (the writable one first), into the PITR
// storage's prefix.
func ArchiverCommand(c *v1.InnoDBCluster, zone string) []string {
	cmd := []string{"/orca", "binlog-archive"}
	for i := range int(c.Spec.Instances) {
		cmd = append(cmd, "--source="+MemberHost(c, i, zone)+":"+strconv.Itoa(PortMySQL))
	}
	return append(cmd, s3Args(c.Spec.Backup.PITR.Storage.S3, "")...)
}

// ArchiverDeployment runs one archiver pod. Recreate: two archivers of one cluster would write the same segment
// numbers, so the old pod is gone before the new one starts.
func ArchiverDeployment(c *v1.InnoDBCluster, o ArchiverOptions) *appsv1.Deployment {
	selector := map[string]string{v1.LabelCluster: c.Name, v1.LabelComponent: v1.ComponentBinlogArchive}
	labels := merge(ObjectLabels(c), selector)
	sc := restrictedSecurityContext()
	sc.ReadOnlyRootFilesystem, sc.RunAsNonRoot = ptr.To(true), ptr.To(true)
	internal, creds := InternalSecretName(c), c.Spec.Backup.PITR.Storage.S3.CredentialsSecret
	trust := ClientTrustOf(c, o.TLSServerName)
	ctr := corev1.Container{
		Name: ContainerBinlogArchive, Image: o.OrcaImage, ImagePullPolicy: c.Spec.ImagePullPolicy,
		Command:      append(ArchiverCommand(c, o.ClusterZone), trust.Args()...),
		VolumeMounts: []corev1.VolumeMount{trust.Mount()},
		Env: []corev1.EnvVar{
			{Name: EnvBackupUser, ValueFrom: secretKey(internal, KeyAdminUser)},
			{Name: EnvBackupPassword, ValueFrom: secretKey(internal, KeyAdminPassword)},
			{Name: EnvS3AccessKey, ValueFrom: secretKey(creds, v1.KeyS3AccessKeyID)},
			{Name: EnvS3SecretKey, ValueFrom: secretKey(creds, v1.KeyS3SecretAccessKey)},
		},
		SecurityContext: sc,
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: ArchiverName(c), Namespace: c.Namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](archiverGracePeriodSeconds),
					AutomountServiceAccountToken:  ptr.To(false),
					EnableServiceLinks:            ptr.To(false),
					ImagePullSecrets:              c.Spec.ImagePullSecrets,
					SecurityContext:               orcaPodSecurityContext(),
					Containers:                    []corev1.Container{ctr},
					Volumes:                       []corev1.Volume{trust.Volume()},
				},
			},
		},
	}
}
