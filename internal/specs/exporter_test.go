package specs

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Without spec.metrics the member pods are what they were (no roll on upgrade); with an exporter they get the
// mysqld_exporter sidecar: its image (default or given), the metrics port 9104, the monitoring account from the
// internal Secret (optional keys: a Secret older than the account still starts the pod) over the pod's
// loopback, collectors the account can feed, and resources.
func TestExporterSidecar(t *testing.T) {
	plain, err := StatefulSet(cluster(3), StatefulSetOptions{OrcaImage: "orca:test"})
	if err != nil {
		t.Fatal(err)
	}
	empty := cluster(3)
	empty.Spec.Metrics = &v1.MetricsSpec{}
	noExporter, _ := StatefulSet(empty, StatefulSetOptions{OrcaImage: "orca:test"})
	if !equality.Semantic.DeepEqual(plain.Spec.Template, noExporter.Spec.Template) {
		t.Error("spec.metrics without an exporter changed the pod template")
	}
	if n := len(plain.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("%d containers without an exporter", n)
	}

	c := cluster(3)
	c.Spec.Metrics = &v1.MetricsSpec{Exporter: &v1.ExporterSpec{}}
	sts, _ := StatefulSet(c, StatefulSetOptions{OrcaImage: "orca:test"})
	ctrs := sts.Spec.Template.Spec.Containers
	if len(ctrs) != 2 || ctrs[0].Name != ContainerMySQL || ctrs[1].Name != ContainerExporter {
		t.Fatalf("containers %v", names(ctrs))
	}
	e := ctrs[1]
	if e.Image != v1.DefaultExporterImage || len(e.Ports) != 1 || e.Ports[0].ContainerPort != PortExporter ||
		e.Ports[0].Name != "metrics" {
		t.Errorf("image %s ports %v", e.Image, e.Ports)
	}
	for _, arg := range []string{"--mysqld.address=127.0.0.1:3306", "--mysqld.username=$(MYSQLD_EXPORTER_USER)",
		"--web.listen-address=:9104", "--collect.perf_schema.replication_group_members", "--no-collect.slave_status"} {
		if !slices.Contains(e.Args, arg) {
			t.Errorf("args %v lack %s", e.Args, arg)
		}
	}
	wantEnv := map[string]string{"MYSQLD_EXPORTER_USER": KeyRouterUser, envExporterPassword: KeyRouterPassword}
	for _, env := range e.Env {
		ref := env.ValueFrom.SecretKeyRef
		if ref == nil || ref.Name != InternalSecretName(c) || ref.Key != wantEnv[env.Name] || !*ref.Optional {
			t.Errorf("env %s from %+v", env.Name, ref)
		}
		delete(wantEnv, env.Name)
	}
	if len(wantEnv) > 0 {
		t.Errorf("env lacks %v", wantEnv)
	}
	if e.Resources.Limits.Memory().String() != "128Mi" {
		t.Errorf("default resources %v", e.Resources)
	}

	c.Spec.Metrics.Exporter.Image = "registry.example/mysqld-exporter:v0.16.0"
	c.Spec.Metrics.Exporter.Resources = &corev1.ResourceRequirements{}
	sts, _ = StatefulSet(c, StatefulSetOptions{OrcaImage: "orca:test"})
	if e := sts.Spec.Template.Spec.Containers[1]; e.Image != "registry.example/mysqld-exporter:v0.16.0" ||
		len(e.Resources.Limits) != 0 {
		t.Errorf("given image and resources not used: %s %v", e.Image, e.Resources)
	}
}

func names(cs []corev1.Container) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}
