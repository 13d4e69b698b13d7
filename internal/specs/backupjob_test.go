package specs

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestBackupJob(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db"}}
	b := &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "nightly"},
		Spec: v1.MySQLBackupSpec{ClusterName: "db", Storage: v1.BackupStorage{S3: v1.S3Storage{Bucket: "bk",
			Prefix: "/db/", Region: "eu-west-1", CredentialsSecret: "s3"}},
			Options: v1.BackupOptions{Threads: 8, CompressionLevel: 5, UsersAndGrants: true}}}
	j := BackupJob(b, c, BackupSource{Pod: "db-2", Ordinal: 2}, BackupJobOptions{OrcaImage: "orca:1"})
	ctr := j.Spec.Template.Spec.Containers[0]
	for _, want := range []string{"--host=db-2.db-instances.prod.svc.cluster.local", "--threads=8",
		"--compression-level=5", "--users", "--backup-id=nightly", "--region=eu-west-1", "--bucket=bk"} {
		if !slices.Contains(ctr.Command, want) {
			t.Errorf("command %v lacks %s", ctr.Command, want)
		}
	}
	if slices.Contains(ctr.Command, "--path-style") {
		t.Error("--path-style without pathStyle")
	}
	if *j.Spec.BackoffLimit != 0 || j.Spec.Template.Spec.RestartPolicy != "Never" {
		t.Error("a failed backup must not be retried under the same name")
	}
	env := map[string]string{}
	for _, e := range ctr.Env {
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Fatalf("env %s is not read from a Secret", e.Name)
		}
		env[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
	}
	if env[EnvBackupPassword] != "db-internal/adminPassword" || env[EnvS3SecretKey] != "s3/secretAccessKey" {
		t.Errorf("env: %v", env)
	}
	if ctr.TerminationMessagePath != BackupTerminationLog || !*ctr.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("termination log or read-only root missing")
	}
	if got := BackupLocation(b); got != "s3://bk/db/nightly" {
		t.Errorf("location %s", got)
	}
}
