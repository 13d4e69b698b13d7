package specs

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestArchiverDeployment(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "db"},
		Spec: v1.InnoDBClusterSpec{Instances: 3, Backup: &v1.ClusterBackupSpec{PITR: &v1.PITRSpec{Enabled: true,
			Storage: v1.BackupStorage{S3: v1.S3Storage{Bucket: "bk", Prefix: "prod/db", PathStyle: true,
				Endpoint: "https://s3.example.com", CredentialsSecret: "s3"}}}}}}
	d := ArchiverDeployment(c, ArchiverOptions{OrcaImage: "orca:1"})
	pod := d.Spec.Template.Spec
	ctr := pod.Containers[0]
	for _, want := range []string{"binlog-archive", "--source=db-0.db-instances.prod.svc.cluster.local:3306",
		"--source=db-2.db-instances.prod.svc.cluster.local:3306", "--bucket=bk", "--prefix=prod/db", "--path-style",
		"--endpoint=https://s3.example.com"} {
		if !slices.Contains(ctr.Command, want) {
			t.Errorf("command %v lacks %s", ctr.Command, want)
		}
	}
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != "Recreate" {
		t.Error("two archivers of one cluster must never run at once")
	}
	if *pod.SecurityContext.RunAsNonRoot != true || *ctr.SecurityContext.AllowPrivilegeEscalation ||
		*pod.AutomountServiceAccountToken {
		t.Error("the archiver pod is not restricted")
	}
	for _, e := range ctr.Env {
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("env %s is not read from a Secret", e.Name)
		}
	}
	if d.Spec.Selector.MatchLabels[v1.LabelComponent] != v1.ComponentBinlogArchive {
		t.Errorf("selector %v", d.Spec.Selector.MatchLabels)
	}
}
