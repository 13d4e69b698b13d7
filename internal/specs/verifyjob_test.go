package specs

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestVerifyJob(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db"},
		Spec: v1.InnoDBClusterSpec{Image: "mysql:8.4.3"}}
	b := &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "nightly"},
		Spec: v1.MySQLBackupSpec{ClusterName: "db", Storage: v1.BackupStorage{S3: v1.S3Storage{Bucket: "bk",
			Prefix: "db", Endpoint: "http://s3", PathStyle: true, CredentialsSecret: "s3"}},
			Options: v1.BackupOptions{Threads: 3, UsersAndGrants: true}}}
	j := VerifyJob(b, c, BackupJobOptions{OrcaImage: "orca:1"})
	pod := j.Spec.Template.Spec
	if j.Name != "nightly-verify" || j.Labels[v1.LabelComponent] != v1.ComponentBackupVerify ||
		j.Labels[v1.LabelBackup] != "nightly" || j.Labels[v1.LabelCluster] != "db" {
		t.Fatalf("name %s labels %v", j.Name, j.Labels)
	}
	if *j.Spec.BackoffLimit != 0 || pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Error("a verification must not be retried into the same scratch data")
	}
	if len(pod.InitContainers) != 1 || len(pod.Containers) != 1 {
		t.Fatalf("want one scratch sidecar and one verify container: %+v", pod)
	}
	scratch, verify := pod.InitContainers[0], pod.Containers[0]
	if scratch.Image != "mysql:8.4.3" || scratch.RestartPolicy == nil ||
		*scratch.RestartPolicy != corev1.ContainerRestartPolicyAlways || scratch.StartupProbe == nil {
		t.Errorf("scratch is not a native sidecar of the cluster's image with a startup probe: %+v", scratch)
	}
	if !slices.Contains(scratch.Args, "--bind-address=127.0.0.1") || len(scratch.Ports) != 0 {
		t.Errorf("scratch must listen on loopback only: %v %v", scratch.Args, scratch.Ports)
	}
	for _, want := range []string{"restore", "--verify", "--host=127.0.0.1", "--port=3306", "--bucket=bk",
		"--prefix=db", "--backup-id=nightly", "--threads=3", "--endpoint=http://s3", "--path-style", "--users",
		"--termination-log=" + BackupTerminationLog} {
		if !slices.Contains(verify.Command, want) {
			t.Errorf("verify command %v lacks %s", verify.Command, want)
		}
	}
	for _, ctr := range []corev1.Container{scratch, verify} {
		sc := ctr.SecurityContext
		if sc == nil || *sc.AllowPrivilegeEscalation || len(sc.Capabilities.Drop) != 1 || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: not restricted: %+v", ctr.Name, sc)
		}
		for _, e := range ctr.Env {
			if e.Name == EnvBackupPassword || e.Name == "MYSQL_ROOT_PASSWORD" || e.Name == EnvS3SecretKey {
				if e.Value != "" || e.ValueFrom.SecretKeyRef == nil {
					t.Errorf("%s: %s not read from a Secret", ctr.Name, e.Name)
				}
			}
		}
	}
	if psc := pod.SecurityContext; !*psc.RunAsNonRoot || psc.SeccompProfile == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("pod security: %+v", psc)
	}
	for _, v := range pod.Volumes {
		if v.EmptyDir == nil {
			t.Errorf("volume %s is not an emptyDir: the scratch data must go with the pod", v.Name)
		}
	}
	if len(scratch.VolumeMounts) != len(pod.Volumes) {
		t.Errorf("scratch mounts %v, volumes %v", scratch.VolumeMounts, pod.Volumes)
	}
}
