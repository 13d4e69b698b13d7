package specs

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// checkClientTrust asserts a pod mounts only ca.crt of secret, read-only where ClientTLSCAFile points.
func checkClientTrust(t *testing.T, spec corev1.PodSpec, secret string) {
	t.Helper()
	i := slices.IndexFunc(spec.Volumes, func(v corev1.Volume) bool { return v.Name == TLSCAVolume })
	if i < 0 || spec.Volumes[i].Secret == nil || spec.Volumes[i].Secret.SecretName != secret ||
		len(spec.Volumes[i].Secret.Items) != 1 || spec.Volumes[i].Secret.Items[0].Key != KeyCACert {
		t.Fatalf("trust volume of %s: %+v", secret, spec.Volumes)
	}
	m := spec.Containers[0].VolumeMounts
	if !slices.ContainsFunc(m, func(vm corev1.VolumeMount) bool {
		return vm.Name == TLSCAVolume && vm.MountPath == "/etc/orca/tls-ca" && vm.ReadOnly
	}) {
		t.Fatalf("mounts %+v", m)
	}
}

func TestRunnerJobsVerifyTheMembers(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db"},
		Spec: v1.InnoDBClusterSpec{InitDB: &v1.InitDBSpec{Dump: &v1.InitDBDump{}}}}
	b := &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "nightly"},
		Spec: v1.MySQLBackupSpec{ClusterName: "db", Storage: v1.BackupStorage{S3: v1.S3Storage{Bucket: "bk"}}}}
	managed := BackupJob(b, c, BackupSource{Pod: "db-1", Ordinal: 1}, BackupJobOptions{OrcaImage: "orca:1"})
	initdb := InitDBJob(c, InitDBSource{Storage: b.Spec.Storage.S3, ID: "nightly"}, BackupJobOptions{})
	for _, j := range [][]string{managed.Spec.Template.Spec.Containers[0].Command,
		initdb.Spec.Template.Spec.Containers[0].Command} {
		if !slices.Contains(j, "--tls-ca-file=/etc/orca/tls-ca/ca.crt") ||
			slices.ContainsFunc(j, func(a string) bool { return strings.HasPrefix(a, "--tls-server-name") }) {
			t.Fatalf("command %v: want the bundle and the member's own name checked", j)
		}
	}
	checkClientTrust(t, managed.Spec.Template.Spec, "db-tls")
	checkClientTrust(t, initdb.Spec.Template.Spec, "db-tls")
	c.Spec.Instances = 3
	c.Spec.Backup = &v1.ClusterBackupSpec{PITR: &v1.PITRSpec{Enabled: true, Storage: b.Spec.Storage}}
	archiver := ArchiverDeployment(c, ArchiverOptions{TLSServerName: "db.example.com"})
	if cmd := archiver.Spec.Template.Spec.Containers[0].Command; !slices.Contains(cmd,
		"--tls-ca-file=/etc/orca/tls-ca/ca.crt") || !slices.Contains(cmd, "--tls-server-name=db.example.com") {
		t.Fatalf("archiver command %v", cmd)
	}
	checkClientTrust(t, archiver.Spec.Template.Spec, "db-tls")

	c.Spec.TLSSecretName, c.Spec.TLSCASecretName = "mine", "my-ca"
	user := BackupJob(b, c, BackupSource{Pod: "db-1", Ordinal: 1},
		BackupJobOptions{TLSServerName: "db.example.com"})
	if !slices.Contains(user.Spec.Template.Spec.Containers[0].Command, "--tls-server-name=db.example.com") {
		t.Fatalf("command %v lacks the certificate's name", user.Spec.Template.Spec.Containers[0].Command)
	}
	checkClientTrust(t, user.Spec.Template.Spec, "my-ca")
}

func TestMigrationPodVerifiesThePrimary(t *testing.T) {
	run := &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app-d1"},
		Spec: v1.MigrationRunSpec{HookName: "app", ClusterName: "db", Commit: "abc"}}
	hook := &v1.MigrationHook{Spec: v1.MigrationHookSpec{ClusterName: "db",
		Database: v1.MigrationDatabase{SecretName: "app-db", Name: "shop"}}}
	env := func(p *corev1.Pod) map[string]string {
		out := map[string]string{}
		for _, e := range p.Spec.Containers[0].Env {
			out[e.Name] = e.Value
		}
		return out
	}
	pod := MigrationPod(run, hook, "orca:1", "", ClientTrust{SecretName: "db-tls"})
	checkClientTrust(t, pod.Spec, "db-tls")
	if e := env(pod); e["MYSQL_SSL_CA"] != ClientTLSCAFile || e["MYSQL_SSL_MODE"] != "VERIFY_IDENTITY" ||
		e["MYSQL_TLS_SERVER_NAME"] != "" {
		t.Fatalf("env %v", e)
	}
	pod = MigrationPod(run, hook, "orca:1", "", ClientTrust{SecretName: "my-ca", ServerName: "db.example.com"})
	checkClientTrust(t, pod.Spec, "my-ca")
	if e := env(pod); e["MYSQL_SSL_MODE"] != "VERIFY_CA" || e["MYSQL_TLS_SERVER_NAME"] != "db.example.com" {
		t.Fatalf("env %v", e)
	}
}
