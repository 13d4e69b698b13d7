package helm

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orca-operator/orca/test/controlplane"
)

// The rendered manifests are accepted by a real apiserver: the CRDs installed for real, everything else with a
// server-side dry run (schema, CEL rules and admission), in a namespace that enforces the restricted Pod
// Security Standard, the operator's pod template included.
func TestRenderedManifestsPassTheAPIServer(t *testing.T) {
	cp := controlplane.StartT(t, controlplane.Options{})
	c, err := controlplane.NewClient(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "orca-system", Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest"}}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	bin := helmBinary(t, helmVersions[0])
	installCRDs(ctx, t, c, render(t, bin, "orca-crds", ""))
	for _, chart := range []string{"orca", "orca-cluster"} {
		for _, values := range valuesExamples(t, chart) {
			for _, obj := range objects(t, render(t, bin, chart, values)) {
				dryRun(ctx, t, c, obj, chart+" "+values)
			}
		}
	}
}

// installCRDs creates the chart's CRDs (and the Prometheus Operator's ServiceMonitor, schema-less, and
// cert-manager's real Certificate CRD, for the values that enable them) and waits until they are served.
func installCRDs(ctx context.Context, t *testing.T, c client.Client, stream string) {
	t.Helper()
	crds := objects(t, stream)
	for _, u := range crds {
		if u.GetKind() != "CustomResourceDefinition" {
			t.Fatalf("orca-crds rendered a %s", u.GetKind())
		}
		if u.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
			t.Errorf("CRD %s lacks helm.sh/resource-policy: keep (helm uninstall would delete every cluster)",
				u.GetName())
		}
	}
	crds = append(crds, serviceMonitorCRD(t), certManagerCRD(t))
	for _, u := range crds {
		if err := c.Create(ctx, u); err != nil {
			t.Fatalf("create CRD %s: %v", u.GetName(), err)
		}
	}
	for _, u := range crds {
		waitEstablished(ctx, t, c, u.GetName())
	}
}

func waitEstablished(ctx context.Context, t *testing.T, c client.Client, name string) {
	t.Helper()
	for {
		crd := &unstructured.Unstructured{}
		crd.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
		if err := c.Get(ctx, client.ObjectKey{Name: name}, crd); err == nil && established(crd) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD %s never established", name)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func established(crd *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == string(apiextensionsv1.Established) && m["status"] == "True" {
			return true
		}
	}
	return false
}

// dryRun creates obj with dryRun=All; a Deployment's pod template is also dry-run created as a Pod, so the
// restricted Pod Security Standard (enforced on pods, only warned on workloads) is checked.
func dryRun(ctx context.Context, t *testing.T, c client.Client, obj *unstructured.Unstructured, from string) {
	t.Helper()
	if obj.GetNamespace() == "" && namespaced(obj.GetKind()) {
		obj.SetNamespace("orca-system")
	}
	opts := []client.CreateOption{client.DryRunAll}
	if obj.GetKind() == "ServiceAccount" {
		opts = nil // for real: the pod's admission looks its service account up
	}
	if err := c.Create(ctx, obj, opts...); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Errorf("%s: the apiserver refused %s %s: %v", from, obj.GetKind(), obj.GetName(), err)
		return
	}
	if obj.GetKind() != "Deployment" {
		return
	}
	pod := podFromTemplate(t, obj)
	if err := c.Create(ctx, pod, client.DryRunAll); err != nil {
		t.Errorf("%s: the operator's pod fails the restricted Pod Security Standard: %v", from, err)
	}
	// The namespace does enforce it: the same pod allowed to escalate privileges is refused.
	pod.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = ptr.To(true)
	if err := c.Create(ctx, pod, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "restricted") {
		t.Errorf("%s: a pod that violates the restricted standard was not refused: %v", from, err)
	}
}

func namespaced(kind string) bool {
	switch kind {
	case "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace":
		return false
	}
	return true
}

func podFromTemplate(t *testing.T, deploy *unstructured.Unstructured) *corev1.Pod {
	t.Helper()
	tmpl, found, err := unstructured.NestedMap(deploy.Object, "spec", "template")
	if err != nil || !found {
		t.Fatalf("deployment %s has no pod template: %v", deploy.GetName(), err)
	}
	var pt corev1.PodTemplateSpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &pt); err != nil {
		t.Fatal(err)
	}
	pt.Name, pt.Namespace = deploy.GetName()+"-dry-run", deploy.GetNamespace()
	return &corev1.Pod{ObjectMeta: pt.ObjectMeta, Spec: pt.Spec}
}

// objects parses a rendered stream into objects.
func objects(t *testing.T, stream string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, doc := range splitDocs(stream) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("parse rendered YAML: %v\n%s", err, doc)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out
}

func serviceMonitorCRD(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	doc := strings.TrimSpace(fmt.Sprintf(`
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: servicemonitors.monitoring.coreos.com}
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {plural: servicemonitors, singular: servicemonitor, kind: ServiceMonitor, listKind: ServiceMonitorList}
  versions:
  - name: v1
    served: %t
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`, true))
	return objects(t, doc)[0]
}
