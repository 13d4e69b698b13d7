package specs

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestMigrationPodWithAnImageRunner(t *testing.T) {
	run := &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "app-d1"},
		Spec: v1.MigrationRunSpec{HookName: "app", ClusterName: "db", Commit: "abc", Ref: "refs/heads/main"}}
	hook := &v1.MigrationHook{Spec: v1.MigrationHookSpec{ClusterName: "db",
		Source:   v1.MigrationSource{URL: "https://git.example/a.git", CredentialsSecretName: "git"},
		Database: v1.MigrationDatabase{SecretName: "app-db", Name: "shop"},
		Runner: v1.MigrationRunner{Type: v1.RunnerImage, Image: "flyway/flyway:11", Command: []string{"flyway"},
			Args: []string{"migrate"}}}}
	pod := MigrationPod(run, hook, "orca:dev", "", ClientTrust{SecretName: "db-tls"})
	c := pod.Spec.Containers[0]
	if c.Image != "flyway/flyway:11" || c.Command[0] != "flyway" || c.Args[0] != "migrate" {
		t.Fatalf("container %+v", c)
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if _, srv := env["MYSQL_SRV_URI"]; srv {
		t.Errorf("MYSQL_SRV_URI with DNS SRV off: %+v", env["MYSQL_SRV_URI"])
	}
	if env["MYSQL_HOST"].Value != "db.team-a.svc" || env["MYSQL_DATABASE"].Value != "shop" || env["ORCA_COMMIT"].Value != "abc" ||
		env["ORCA_GIT_PASSWORD"].ValueFrom.SecretKeyRef.Name != "git" {
		t.Fatalf("env %+v", env)
	}
	sc := c.SecurityContext
	if *sc.AllowPrivilegeEscalation || sc.Capabilities.Drop[0] != "ALL" || !*pod.Spec.SecurityContext.RunAsNonRoot ||
		pod.Spec.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Fatalf("not restricted: %+v %+v", pod.Spec.SecurityContext, sc)
	}
	if pod.Labels[v1.LabelMigrationRun] != "app-d1" || pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Fatalf("pod %+v", pod.ObjectMeta)
	}
}
