package specs

import (
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Containers of the restore-verify Job's pod.
const (
	// ContainerScratch is the scratch mysqld: a native sidecar (an init container that keeps running) the
	// backup is restored into. It listens on 127.0.0.1 only and no Service selects the pod.
	ContainerScratch = "scratch"
	// ContainerVerify runs `orca restore --verify` against the scratch server.
	ContainerVerify = "verify"
	// scratchWait bounds how long `orca restore` waits for the scratch server to accept connections.
	scratchWait = "10m"
)

// VerifyJobName is the restore-verify Job of a MySQLBackup.
func VerifyJobName(b *v1.MySQLBackup) string { return b.Name + "-verify" }

// VerifyCommand is `orca restore --verify` of the backup into the scratch server on the pod's loopback.
func VerifyCommand(b *v1.MySQLBackup) []string {
	cmd := []string{"orca", "restore", "--verify", "--wait-server=" + scratchWait, "--host=127.0.0.1",
		"--port=" + strconv.Itoa(PortMySQL)}
	cmd = append(cmd, storageArgs(b.Spec.Storage.S3, b.Name, b.Spec.Options.Threads)...)
	if b.Spec.Options.UsersAndGrants {
		cmd = append(cmd, "--users")
	}
	return cmd
}

// VerifyJob builds the restore-verify Job of a backup: one pod holding a throwaway mysqld of the cluster's own
// image on emptyDir volumes (its data goes with the pod) and `orca restore --verify` loading the backup into it.
// Never retried (a second run would find the first one's tables), restricted security context, no Service, no
// service account token.
func VerifyJob(b *v1.MySQLBackup, c *v1.InnoDBCluster, o BackupJobOptions) *batchv1.Job {
	labels := merge(ObjectLabels(c), map[string]string{v1.LabelComponent: v1.ComponentBackupVerify,
		v1.LabelBackup: b.Name})
	spec := corev1.PodSpec{
		RestartPolicy:                corev1.RestartPolicyNever,
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
		ImagePullSecrets:             c.Spec.ImagePullSecrets,
		SecurityContext: &corev1.PodSecurityContext{
			RunAsUser: ptr.To[int64](999), RunAsGroup: ptr.To[int64](999), FSGroup: ptr.To[int64](999),
			RunAsNonRoot:   ptr.To(true),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		InitContainers: []corev1.Container{scratchContainer(c)},
		Containers:     []corev1.Container{verifyContainer(b, c, o)},
		Volumes:        scratchVolumes(),
	}
	if p := c.Spec.PodSpec; p != nil {
		spec.Tolerations, spec.NodeSelector = p.Tolerations, p.NodeSelector
	}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: VerifyJobName(b), Namespace: b.Namespace, Labels: labels},
		Spec: batchv1.JobSpec{
			BackoffLimit: ptr.To[int32](0),
			Template:     corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec},
		},
	}
}

// scratchMounts are the scratch server's writable paths, each an emptyDir (the root file system is read-only).
var scratchMounts = map[string]string{
	"scratch-data": "/var/lib/mysql", "scratch-run": "/var/run/mysqld", "scratch-tmp": "/tmp",
	"scratch-files": "/var/lib/mysql-files",
}

func scratchVolumes() []corev1.Volume {
	var vs []corev1.Volume
	for _, name := range []string{"scratch-data", "scratch-files", "scratch-run", "scratch-tmp"} {
		vs = append(vs, corev1.Volume{Name: name,
			VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	}
	return vs
}

// scratchContainer is the cluster's MySQL image with its own entrypoint (which initialises the empty data
// directory), the cluster's root password, listening on the pod's loopback only. Its startup probe passes only
// once the final server listens on TCP (the entrypoint's temporary server has networking off), and Kubernetes
// starts the verify container only then.
func scratchContainer(c *v1.InnoDBCluster) corev1.Container {
	sc := restrictedSecurityContext()
	sc.ReadOnlyRootFilesystem = ptr.To(true)
	var mounts []corev1.VolumeMount
	for _, v := range scratchVolumes() {
		mounts = append(mounts, corev1.VolumeMount{Name: v.Name, MountPath: scratchMounts[v.Name]})
	}
	ctr := corev1.Container{
		Name: ContainerScratch, Image: c.MySQLImage(), ImagePullPolicy: c.Spec.ImagePullPolicy,
		RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways),
		Args:          []string{"--bind-address=127.0.0.1", "--mysqlx=OFF", "--skip-name-resolve"},
		Env: []corev1.EnvVar{
			{Name: "MYSQL_ROOT_PASSWORD", ValueFrom: secretKey(CredentialsSecretName(c), KeyRootPassword)},
			{Name: EnvSkipTZInfo, Value: "1"},
		},
		VolumeMounts: mounts,
		StartupProbe: &corev1.Probe{
			ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"mysqladmin", "ping",
				"--protocol=tcp", "--host=127.0.0.1", "--port=" + strconv.Itoa(PortMySQL)}}},
			PeriodSeconds: 2, TimeoutSeconds: 5, FailureThreshold: 300,
		},
		SecurityContext: sc,
	}
	if p := c.Spec.PodSpec; p != nil && p.Resources != nil {
		ctr.Resources = *p.Resources
	}
	return ctr
}

func verifyContainer(b *v1.MySQLBackup, c *v1.InnoDBCluster, o BackupJobOptions) corev1.Container {
	env := append([]corev1.EnvVar{
		{Name: EnvBackupUser, Value: "root"},
		{Name: EnvBackupPassword, ValueFrom: secretKey(CredentialsSecretName(c), KeyRootPassword)},
	}, s3Env(b.Spec.Storage.S3.CredentialsSecret)...)
	return orcaJobContainer(ContainerVerify, o.OrcaImage, c.Spec.ImagePullPolicy, VerifyCommand(b), env)
}

// s3Env reads the S3 keys from the credentials Secret.
func s3Env(secret string) []corev1.EnvVar {
	return []corev1.EnvVar{
		{Name: EnvS3AccessKey, ValueFrom: secretKey(secret, v1.KeyS3AccessKeyID)},
		{Name: EnvS3SecretKey, ValueFrom: secretKey(secret, v1.KeyS3SecretAccessKey)},
	}
}
