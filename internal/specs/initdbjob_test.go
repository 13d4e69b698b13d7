package specs

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestInitDBJob(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db"},
		Spec: v1.InnoDBClusterSpec{InitDB: &v1.InitDBSpec{Dump: &v1.InitDBDump{BackupName: "nightly", Threads: 6,
			UsersAndGrants: true}}}}
	src := InitDBSource{Storage: v1.S3Storage{Bucket: "bk", Prefix: "old/db", CredentialsSecret: "s3"}, ID: "nightly"}
	j := InitDBJob(c, src, BackupJobOptions{OrcaImage: "orca:1"})
	if j.Name != "db-initdb" || j.Labels[v1.LabelComponent] != v1.ComponentInitDB || j.Labels[v1.LabelCluster] != "db" {
		t.Fatalf("name %s labels %v", j.Name, j.Labels)
	}
	if *j.Spec.BackoffLimit == 0 {
		t.Error("a restore resumes: a failed pod should be run again")
	}
	ctr := j.Spec.Template.Spec.Containers[0]
	for _, want := range []string{"restore", "--host=db-0.db-instances.prod.svc.cluster.local", "--bucket=bk",
		"--prefix=old/db", "--backup-id=nightly", "--threads=6", "--users", "--wait-server=10m",
		"--set-gtid-purged"} {
		if !slices.Contains(ctr.Command, want) {
			t.Errorf("command %v lacks %s", ctr.Command, want)
		}
	}
	if slices.Contains(ctr.Command, "--verify") {
		t.Error("the initDB restore loads a member; it is not a verification")
	}
	env := map[string]string{}
	for _, e := range ctr.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Fatalf("env %s is not read from a Secret", e.Name)
		}
		env[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
	}
	if env[EnvBackupUser] != CredentialsSecretName(c)+"/rootUser" {
		t.Errorf("env: %v", env)
	}
	if env[EnvS3SecretKey] != "s3/secretAccessKey" {
		t.Errorf("env: %v", env)
	}
	if got := S3Location(src.Storage, src.ID); got != "s3://bk/old/db/nightly" {
		t.Errorf("location %s", got)
	}
}

// A restore point is passed to `orca restore`, and its Job never runs a second pod (a replay is not resumable).
func TestInitDBJobWithARestorePoint(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db"},
		Spec: v1.InnoDBClusterSpec{InitDB: &v1.InitDBSpec{Dump: &v1.InitDBDump{BackupName: "nightly"},
			RestorePoint: "2026-12-01T10:00:03Z"}}}
	j := InitDBJob(c, InitDBSource{Storage: v1.S3Storage{Bucket: "bk", CredentialsSecret: "s3"}, ID: "nightly"},
		BackupJobOptions{OrcaImage: "orca:1"})
	if cmd := j.Spec.Template.Spec.Containers[0].Command; !slices.Contains(cmd,
		"--restore-point=2026-12-01T10:00:03Z") {
		t.Errorf("command %v lacks the restore point", cmd)
	}
	if *j.Spec.BackoffLimit != 0 {
		t.Errorf("backoff limit %d: a replay run twice applies its transactions twice", *j.Spec.BackoffLimit)
	}
}
