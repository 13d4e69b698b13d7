package helm

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/orca-operator/orca/test/envtestutil"
)

// The chart and config/ (kustomize) install the same thing: the same CRDs, the same RBAC rules and the same
// pod security; and every flag the chart passes to `orca operator` is one the binary has.
func TestChartAgreesWithKustomizeAndTheBinary(t *testing.T) {
	bin := helmBinary(t, helmVersions[0])
	root := envtestutil.RepoRoot()
	chart := byKind(objects(t, render(t, bin, "orca", "")))
	kustomize := byKind(readObjects(t, filepath.Join(root, "config", "rbac", "role.yaml"),
		filepath.Join(root, "config", "rbac", "leader_election_role.yaml"),
		filepath.Join(root, "config", "manager", "manager.yaml")))
	for _, kind := range []string{"ClusterRole", "Role"} {
		if got, want := chart[kind].Object["rules"], kustomize[kind].Object["rules"]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s rules differ between the chart and config/rbac:\nchart:     %v\nkustomize: %v", kind, got, want)
		}
	}
	path := []string{"spec", "template", "spec", "containers"}
	cc, _, _ := unstructured.NestedSlice(chart["Deployment"].Object, path...)
	kc, _, _ := unstructured.NestedSlice(kustomize["Deployment"].Object, path...)
	got, want := cc[0].(map[string]any)["securityContext"], kc[0].(map[string]any)["securityContext"]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("container securityContext differs: chart %v, kustomize %v", got, want)
	}
	for _, crd := range objects(t, render(t, bin, "orca-crds", "")) {
		plural, group, _ := strings.Cut(crd.GetName(), ".")
		base := readObjects(t, filepath.Join(root, "config", "crd", "bases", group+"_"+plural+".yaml"))[0]
		if !reflect.DeepEqual(crd.Object["spec"], base.Object["spec"]) {
			t.Errorf("CRD %s in the chart differs from config/crd/bases (run make manifests)", crd.GetName())
		}
	}
	checkFlags(t, cc[0].(map[string]any)["args"].([]any))
	checkServices(t, objects(t, render(t, bin, "orca", "")), readObjects(t,
		filepath.Join(root, "config", "manager", "manager.yaml")))
	if got, want := cc[0].(map[string]any)["ports"], kc[0].(map[string]any)["ports"]; !reflect.DeepEqual(got, want) {
		t.Errorf("container ports differ: chart %v, kustomize %v", got, want)
	}
	checkArtifactHubCRDs(t, objects(t, render(t, bin, "orca-crds", "")))
}

// checkArtifactHubCRDs checks that charts/orca's artifacthub.io/crds annotation lists every CRD.
func checkArtifactHubCRDs(t *testing.T, crds []*unstructured.Unstructured) {
	t.Helper()
	var chart struct {
		Annotations map[string]string `json:"annotations"`
	}
	b, err := os.ReadFile(filepath.Join(chartDir("orca"), "Chart.yaml"))
	if err == nil {
		err = yaml.Unmarshal(b, &chart)
	}
	if err != nil {
		t.Fatal(err)
	}
	var listed []struct {
		Name string `json:"name"`
	}
	if err := yaml.Unmarshal([]byte(chart.Annotations["artifacthub.io/crds"]), &listed); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, l := range listed {
		names[l.Name] = true
	}
	for _, crd := range crds {
		if !names[crd.GetName()] {
			t.Errorf("charts/orca/Chart.yaml's artifacthub.io/crds does not list %s: add it", crd.GetName())
		}
	}
}

// checkFlags runs the real binary's `orca operator --help` and checks that every --flag in args is listed.
func checkFlags(t *testing.T, args []any) {
	t.Helper()
	orca := filepath.Join(t.TempDir(), "orca")
	build := exec.Command("go", "build", "-o", orca, "./cmd/orca")
	build.Dir = envtestutil.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build orca: %v\n%s", err, out)
	}
	help, err := exec.Command(orca, "operator", "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("orca operator --help: %v\n%s", err, help)
	}
	known := map[string]bool{}
	for _, m := range regexp.MustCompile(`--([a-z0-9-]+)`).FindAllStringSubmatch(string(help), -1) {
		known[m[1]] = true
	}
	defaults := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+--([a-z0-9-]+) .*\(default "?([^"()]*)"?\)$`).
		FindAllStringSubmatch(string(help), -1) {
		defaults[m[1]] = m[2]
	}
	if args[0] != "operator" {
		t.Fatalf("the chart runs %v, not orca operator", args)
	}
	for _, a := range args[1:] {
		flag, value, _ := strings.Cut(strings.TrimPrefix(a.(string), "--"), "=")
		if !known[flag] {
			t.Errorf("the chart passes --%s, which `orca operator` does not have", flag)
		}
		// The chart's default values say what the binary's defaults say (ports, zones, TTLs, timeouts).
		if def, ok := defaults[flag]; ok && flag != "orca-image" && value != def {
			t.Errorf("the chart's defaults pass --%s=%s, the binary's default is %q: make them agree", flag, value, def)
		}
	}
}

// checkServices checks that the chart's DNS and hooks Services (release "orca") have config/'s names and ports.
func checkServices(t *testing.T, chart, kustomize []*unstructured.Unstructured) {
	t.Helper()
	ports := func(objs []*unstructured.Unstructured) map[string]any {
		m := map[string]any{}
		for _, o := range objs {
			if o.GetKind() == "Service" {
				m[o.GetName()], _, _ = unstructured.NestedSlice(o.Object, "spec", "ports")
			}
		}
		return m
	}
	cp, kp := ports(chart), ports(kustomize)
	for _, name := range []string{"orca-dns", "orca-hooks"} {
		if cp[name] == nil || !reflect.DeepEqual(cp[name], kp[name]) {
			t.Errorf("Service %s: chart ports %v, kustomize ports %v", name, cp[name], kp[name])
		}
	}
}

func byKind(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		m[o.GetKind()] = o
	}
	return m
}

func readObjects(t *testing.T, paths ...string) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range splitDocs(string(b)) {
			var m map[string]any
			if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
				t.Fatalf("parse %s: %v", p, err)
			}
			if len(m) > 0 {
				out = append(out, &unstructured.Unstructured{Object: m})
			}
		}
	}
	return out
}
