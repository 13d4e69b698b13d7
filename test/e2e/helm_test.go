package e2e

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/envtestutil"
)

// The helm versions of hack/helm.sh: the previous chart goes in with helm 3, the upgrade and the uninstalls
// with helm 4 (which takes over helm 3's releases).
const helm3, helm4 = "v3.22.0", "v4.3.1"

// operatorNamespace is where the operator chart goes, as docs/install.md says.
const operatorNamespace = "orca-system"

// The charts' whole life on the harness, with the operator running as the chart's pods (the real `orca operator`
// played by the pod runner, with the chart's ServiceAccount token, so the chart's RBAC is what it gets), in
// namespaces that enforce the restricted Pod Security Standard:
//   - helm install of the previous chart version (an InnoDBCluster CRD without spec.service) -> both operator
//     replicas Ready within 60 s; helm install of charts/orca-cluster -> the cluster ONLINE within 3 minutes,
//     its routers Ready; the operator's /metrics show the bootstrap, the joins, the passes and the members;
//   - helm upgrade to this checkout's charts -> spec.service, stripped before, is kept and acted on, and no
//     MySQL pod was replaced or restarted;
//   - helm uninstall of all three -> the CRDs stay (resource-policy keep), the members' volumes stay
//     (datadirRetentionPolicy Retain), nothing else of the releases is left.
func TestHelmInstallUpgradeUninstall(t *testing.T) {
	begin := time.Now()
	h := startHarnessWith(t, harnessOptions{byHelm: true})
	t.Logf("harness up in %s", time.Since(begin).Round(time.Second))
	hr := newHelmRunner(t, h)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("operator pods' logs:\n%s", h.Pods.LogTails(operatorNamespace, 60))
		}
	})
	old := previousCharts(t)
	h.namespace(t, operatorNamespace)
	db := h.namespace(t, "helm-")
	image := []string{"--set", "image.repository=orca", "--set", "image.tag=" + strings.TrimPrefix(orcaImage, "orca:")}

	hr.run(helm3, "install", "orca-crds", filepath.Join(old, "orca-crds"))
	h.waitCRDsEstablished(t)
	start := time.Now()
	hr.run(helm3, append([]string{"install", "orca", filepath.Join(old, "orca"), "-n", operatorNamespace}, image...)...)
	h.waitOperatorReady(t, 60*time.Second)
	t.Logf("operator Ready %s after helm install", time.Since(start).Round(time.Second))

	start = time.Now()
	hr.run(helm3, "install", "mycluster", chartPath("orca-cluster"), "-n", db,
		"--set", "spec.datadirVolumeClaimTemplate.storage=1Gi")
	c := &cluster{h: h, t: t, obj: &v1.InnoDBCluster{}}
	c.obj.Namespace, c.obj.Name = db, "mycluster"
	c.waitOnline(3 * time.Minute)
	c.waitRoutersReady(time.Minute)
	t.Logf("cluster ONLINE, routers Ready %s after helm install", time.Since(start).Round(time.Second))
	checkOperatorMetrics(t, h, c)

	// The previous CRD has no spec.service: the apiserver strips it.
	c.setServiceAnnotation()
	if got := c.get().Spec.Service; got != nil {
		t.Fatalf("the previous CRD kept spec.service (%+v): the fixture is not older", got)
	}
	before := c.memberPods()
	start = time.Now()
	hr.run(helm4, "upgrade", "orca-crds", chartPath("orca-crds"))
	hr.run(helm4, append([]string{"upgrade", "orca", chartPath("orca"), "-n", operatorNamespace}, image...)...)
	h.waitOperatorReady(t, 60*time.Second)
	eventually(t, 30*time.Second, func() error {
		c.setServiceAnnotation()
		if s := c.get().Spec.Service; s == nil || s.Annotations[helmTestAnnotation] != "upgraded" {
			return fmt.Errorf("spec.service after the CRD upgrade: %+v", s)
		}
		return nil
	})
	eventually(t, 60*time.Second, func() error { // the new field reached the client Service
		var svc corev1.Service
		if err := h.Client.Get(context.Background(), types.NamespacedName{Namespace: db,
			Name: specs.ClientServiceName(c.obj)}, &svc); err != nil {
			return err
		}
		if svc.Annotations[helmTestAnnotation] != "upgraded" {
			// Whether the operator reconciled the new generation tells a missed event from a wrong apply.
			got := c.get()
			return fmt.Errorf("service %s annotations %v (cluster generation %d, observedGeneration %d, "+
				"conditions %+v)", svc.Name, svc.Annotations, got.Generation, got.Status.ObservedGeneration,
				got.Status.Conditions)
		}
		return nil
	})
	c.waitOnline(time.Minute)
	if after := c.memberPods(); after != before {
		t.Errorf("MySQL pods changed over the upgrade:\nbefore %s\nafter  %s", before, after)
	}

	t.Logf("upgraded, new field acted on, in %s", time.Since(start).Round(time.Second))
	start = time.Now()
	hr.run(helm4, "uninstall", "mycluster", "-n", db, "--wait", "--timeout", "2m")
	h.waitGone(t, db)
	t.Logf("cluster uninstalled in %s", time.Since(start).Round(time.Second))
	hr.run(helm4, "uninstall", "orca", "-n", operatorNamespace, "--wait", "--timeout", "2m")
	t.Logf("operator uninstalled in %s", time.Since(start).Round(time.Second))
	hr.run(helm4, "uninstall", "orca-crds")
	h.checkOnlyKeptRemain(t, db)
	t.Logf("uninstalled in %s", time.Since(start).Round(time.Second))
}

// helmTestAnnotation is the annotation the test puts in spec.service.
const helmTestAnnotation = "e2e.orca.dev/helm"

func (c *cluster) setServiceAnnotation() {
	c.t.Helper()
	patch := []byte(`{"spec":{"service":{"annotations":{"` + helmTestAnnotation + `":"upgraded"}}}}`)
	if err := c.h.Client.Patch(context.Background(), c.obj, client.RawPatch(types.MergePatchType, patch)); err != nil {
		c.t.Fatalf("patch spec.service: %v", err)
	}
}

// memberPods sums the member pods up: name, UID and restart count of each container.
func (c *cluster) memberPods() string {
	c.t.Helper()
	var b strings.Builder
	pods := c.pods()
	for _, name := range slices.Sorted(maps.Keys(pods)) {
		p := pods[name]
		fmt.Fprintf(&b, "%s %s", name, p.UID)
		for _, cs := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, " %s:%d", cs.Name, cs.RestartCount)
		}
		b.WriteString("; ")
	}
	return b.String()
}

// helmRunner runs the cached helm binaries against the harness as its admin, with a home of its own.
type helmRunner struct {
	t          *testing.T
	kubeconfig string
	home       string
}

func newHelmRunner(t *testing.T, h *harness) *helmRunner {
	return &helmRunner{t: t, kubeconfig: h.CP.Kubeconfig, home: t.TempDir()}
}

func (r *helmRunner) run(version string, args ...string) {
	r.t.Helper()
	cmd := exec.Command(helmBinary(r.t, version), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+r.kubeconfig, "HELM_CACHE_HOME="+filepath.Join(r.home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(r.home, "config"), "HELM_DATA_HOME="+filepath.Join(r.home, "data"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		r.t.Fatalf("helm %s %s: %v\n%s", version, strings.Join(args, " "), err, out.String())
	}
}

// helmBinary is the cached helm of one version; missing, the test fails with the command that installs it.
func helmBinary(tb testing.TB, version string) string {
	tb.Helper()
	cache := os.Getenv("ORCA_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "orca")
	}
	bin := filepath.Join(cache, "tools", "helm-"+version, "helm")
	if _, err := os.Stat(bin); err != nil {
		tb.Fatalf("helm %s is missing at %s: run hack/helm.sh (make test-deps)", version, bin)
	}
	return bin
}

func chartPath(name string) string { return filepath.Join(envtestutil.RepoRoot(), "charts", name) }

// previousCharts is the fixture of the previous chart version: this checkout's orca-crds and orca at version
// 0.0.9, the InnoDBCluster CRD without spec.service (a field a later release added).
func previousCharts(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, chart := range []string{"orca-crds", "orca"} {
		if out, err := exec.Command("cp", "-r", chartPath(chart), dir).CombinedOutput(); err != nil {
			t.Fatalf("copy %s: %v\n%s", chart, err, out)
		}
		meta := filepath.Join(dir, chart, "Chart.yaml")
		b, err := os.ReadFile(meta)
		if err != nil || !bytes.Contains(b, []byte("\nversion: ")) {
			t.Fatalf("read %s: %v", meta, err)
		}
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "version: ") {
				lines[i] = "version: 0.0.9"
			}
		}
		if err := os.WriteFile(meta, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	crd := filepath.Join(dir, "orca-crds", "templates", "mysql.orca.dev_innodbclusters.yaml")
	var obj apiextensionsv1.CustomResourceDefinition
	b, err := os.ReadFile(crd)
	if err == nil {
		err = yaml.Unmarshal(b, &obj)
	}
	if err != nil {
		t.Fatalf("read %s: %v", crd, err)
	}
	spec := obj.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	if _, ok := spec.Properties["service"]; !ok {
		t.Fatal("the InnoDBCluster CRD has no spec.service to leave out")
	}
	delete(spec.Properties, "service")
	obj.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"] = spec
	if b, err = yaml.Marshal(&obj); err == nil {
		err = os.WriteFile(crd, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func (h *harness) waitCRDsEstablished(t *testing.T) {
	t.Helper()
	eventually(t, 30*time.Second, func() error {
		return h.Client.List(context.Background(), &v1.InnoDBClusterList{})
	})
}

// waitOperatorReady waits until the chart's Deployment has rolled out: every replica updated and Ready (the
// readiness probe of each `orca operator` process, played by the pod runner), one of them holding the lease.
func (h *harness) waitOperatorReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, func() error {
		var d appsv1.Deployment
		if err := h.Client.Get(context.Background(), types.NamespacedName{Namespace: operatorNamespace,
			Name: "orca"}, &d); err != nil {
			return err
		}
		s := d.Status
		if s.ObservedGeneration != d.Generation || s.UpdatedReplicas != *d.Spec.Replicas ||
			s.ReadyReplicas != *d.Spec.Replicas || s.Replicas != *d.Spec.Replicas {
			return fmt.Errorf("operator deployment: %d replicas, %d updated, %d ready of %d", s.Replicas,
				s.UpdatedReplicas, s.ReadyReplicas, *d.Spec.Replicas)
		}
		return nil
	})
}

// waitGone waits until the cluster's objects are gone from ns.
func (h *harness) waitGone(t *testing.T, ns string) {
	t.Helper()
	eventually(t, 2*time.Minute, func() error {
		ctx := context.Background()
		var clusters v1.InnoDBClusterList
		var pods corev1.PodList
		var sets appsv1.StatefulSetList
		for _, l := range []client.ObjectList{&clusters, &pods, &sets} {
			if err := h.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
				return err
			}
		}
		if n := len(clusters.Items) + len(pods.Items) + len(sets.Items); n > 0 {
			return fmt.Errorf("%d clusters, %d pods, %d statefulsets left in %s", len(clusters.Items),
				len(pods.Items), len(sets.Items), ns)
		}
		return nil
	})
}

// checkOnlyKeptRemain checks what the uninstalls leave: the four CRDs (kept), the three members' claims
// (Retain), and nothing else of the releases: no operator objects, no cluster objects.
func (h *harness) checkOnlyKeptRemain(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	for _, name := range []string{"innodbclusters", "mysqlbackups", "migrationruns", "migrationhooks"} {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := h.Client.Get(ctx, types.NamespacedName{Name: name + ".mysql.orca.dev"}, &crd); err != nil {
			t.Errorf("CRD %s after helm uninstall orca-crds: %v (it must be kept)", name, err)
		}
	}
	var claims corev1.PersistentVolumeClaimList
	if err := h.Client.List(ctx, &claims, client.InNamespace(db)); err != nil {
		t.Fatal(err)
	}
	if len(claims.Items) != 3 {
		t.Errorf("%d claims left in %s, want the 3 members' (datadirRetentionPolicy Retain)", len(claims.Items), db)
	}
	eventually(t, time.Minute, func() error {
		left := h.releaseLeftovers(ctx, db)
		if len(left) > 0 {
			return fmt.Errorf("left after helm uninstall: %s", strings.Join(left, ", "))
		}
		return nil
	})
}

// releaseLeftovers lists what is left of the releases besides the CRDs and claims.
func (h *harness) releaseLeftovers(ctx context.Context, db string) []string {
	var left []string
	lists := map[string]client.ObjectList{"Deployment": &appsv1.DeploymentList{},
		"StatefulSet": &appsv1.StatefulSetList{}, "Pod": &corev1.PodList{}, "Service": &corev1.ServiceList{},
		"ServiceAccount": &corev1.ServiceAccountList{}, "Role": &rbacv1.RoleList{}}
	for kind, l := range lists {
		for _, ns := range []string{db, operatorNamespace} {
			if err := h.Client.List(ctx, l, client.InNamespace(ns)); err != nil {
				return []string{fmt.Sprintf("list %s: %v", kind, err)}
			}
			for _, name := range objectNames(l) {
				if kind != "ServiceAccount" || name != "default" {
					left = append(left, kind+" "+ns+"/"+name)
				}
			}
		}
	}
	var roles rbacv1.ClusterRoleList
	if err := h.Client.List(ctx, &roles, client.MatchingLabels{"app.kubernetes.io/instance": "orca"}); err != nil &&
		!apierrors.IsNotFound(err) {
		return []string{err.Error()}
	}
	for _, r := range roles.Items {
		left = append(left, "ClusterRole "+r.Name)
	}
	return left
}

func objectNames(l client.ObjectList) []string {
	items, _ := apimeta.ExtractList(l)
	names := make([]string, 0, len(items))
	for _, o := range items {
		if m, err := apimeta.Accessor(o); err == nil {
			names = append(names, m.GetName())
		}
	}
	return names
}
