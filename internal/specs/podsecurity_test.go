package specs

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Every pod Orca creates passes the restricted Pod Security Standard at its newest version, as the apiserver's
// own admission evaluates it (k8s.io/pod-security-admission's checks): members (with and without the
// mysqld_exporter sidecar), routers, backup and verify Jobs, migration pods. The e2e and rbac suites also run
// them in namespaces that enforce it.
func TestEveryPodPassesRestricted(t *testing.T) {
	c := cluster(3)
	withExporter := cluster(3)
	withExporter.Spec.Metrics = &v1.MetricsSpec{Exporter: &v1.ExporterSpec{}}
	b := &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: "nightly"},
		Spec: v1.MySQLBackupSpec{ClusterName: c.Name, Storage: v1.BackupStorage{S3: v1.S3Storage{Bucket: "bk",
			CredentialsSecret: "s3"}}}}
	run := &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: c.Namespace, Name: "app-d1"},
		Spec: v1.MigrationRunSpec{HookName: "app", ClusterName: c.Name, Commit: "abc"}}
	hook := &v1.MigrationHook{Spec: v1.MigrationHookSpec{ClusterName: c.Name,
		Source:   v1.MigrationSource{URL: "https://git.example/a.git"},
		Database: v1.MigrationDatabase{SecretName: "app-db", Name: "shop"}}}
	pods := map[string]*corev1.PodTemplateSpec{}
	for name, ic := range map[string]*v1.InnoDBCluster{"member": c, "member with exporter": withExporter} {
		sts, err := StatefulSet(ic, StatefulSetOptions{OrcaImage: "orca:test"})
		if err != nil {
			t.Fatal(err)
		}
		pods[name] = &sts.Spec.Template
	}
	pods["router"] = &RouterDeployment(c, RouterOptions{OrcaImage: "orca:test"}).Spec.Template
	pods["backup"] = &BackupJob(b, c, BackupSource{Pod: "db-2", Ordinal: 2},
		BackupJobOptions{OrcaImage: "orca:test"}).Spec.Template
	pods["verify"] = &VerifyJob(b, c, BackupJobOptions{OrcaImage: "orca:test"}).Spec.Template
	mp := MigrationPod(run, hook, "orca:test", "", ClientTrust{SecretName: "db-tls"})
	pods["migration"] = &corev1.PodTemplateSpec{ObjectMeta: mp.ObjectMeta, Spec: mp.Spec}
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	restricted := psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()}
	for name, p := range pods {
		for _, r := range eval.EvaluatePod(restricted, &p.ObjectMeta, &p.Spec) {
			if !r.Allowed {
				t.Errorf("the %s pod fails restricted: %s: %s", name, r.ForbiddenReason, r.ForbiddenDetail)
			}
		}
	}
	// The checks do refuse a violator: the member pod with a privileged sidecar.
	bad := pods["member with exporter"].DeepCopy()
	bad.Spec.Containers[1].SecurityContext.Capabilities = &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN"}}
	refused := false
	for _, r := range eval.EvaluatePod(restricted, &bad.ObjectMeta, &bad.Spec) {
		refused = refused || (!r.Allowed && strings.Contains(r.ForbiddenReason, "capabilities"))
	}
	if !refused {
		t.Error("a sidecar adding NET_ADMIN passed the restricted checks")
	}
}
