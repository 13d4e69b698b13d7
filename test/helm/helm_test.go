package helm

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-operator/orca/test/envtestutil"
)

// Versions of helm the charts are checked with; hack/helm.sh installs the same.
var helmVersions = []string{"v3.22.0", "v4.3.1"}

// kubeVersion is the harness's Kubernetes (helm template assumes an old one without a cluster).
const kubeVersion = "v1.37.2"

var charts = []string{"orca-crds", "orca", "orca-cluster"}

// helmBinary is the cached helm of one version; missing, the test fails with the command that installs it.
func helmBinary(t *testing.T, version string) string {
	t.Helper()
	cache := os.Getenv("ORCA_CACHE")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache", "orca")
	}
	bin := filepath.Join(cache, "tools", "helm-"+version, "helm")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("helm %s is missing at %s: run hack/helm.sh (make test-deps)", version, bin)
	}
	return bin
}

func chartDir(name string) string { return filepath.Join(envtestutil.RepoRoot(), "charts", name) }

// valuesExamples are a chart's ci/*.yaml files (Helm's convention for chart-testing), at least its defaults.
func valuesExamples(t *testing.T, chart string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(chartDir(chart), "ci", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{""}, files...)
}

// runHelm runs helm with a private home (no user repositories or plugins) and returns stdout.
func runHelm(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// render is `helm template` of a chart as release "orca" in orca-system with an optional values file.
func render(t *testing.T, bin, chart, values string) string {
	t.Helper()
	args := []string{"template", "orca", chartDir(chart), "--namespace", "orca-system", "--kube-version", kubeVersion}
	if values != "" {
		args = append(args, "--values", values)
	}
	out, err := runHelm(t, bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestChartsLintAndRenderWithHelm3AndHelm4(t *testing.T) {
	for _, v := range helmVersions {
		bin := helmBinary(t, v)
		for _, chart := range charts {
			for _, values := range valuesExamples(t, chart) {
				args := []string{"lint", "--strict", chartDir(chart)}
				if values != "" {
					args = append(args, "--values", values)
				}
				if out, err := runHelm(t, bin, args...); err != nil {
					t.Errorf("helm %s lint %s %s: %v\n%s", v, chart, filepath.Base(values), err, out)
				}
				if docs := splitDocs(render(t, bin, chart, values)); len(docs) == 0 {
					t.Errorf("helm %s template %s %s rendered nothing", v, chart, filepath.Base(values))
				}
			}
		}
	}
}

// A typo or an out-of-range value fails at helm install, naming the key, instead of being ignored.
func TestValuesSchemasRefuseBadValues(t *testing.T) {
	for _, v := range helmVersions {
		bin := helmBinary(t, v)
		for _, tc := range []struct{ chart, set, mention string }{
			{"orca", "iamge.tag=1.0", "iamge"},
			{"orca", "replicas=-1", "replicas"},
			{"orca", "image.pullPolicy=Sometimes", "pullPolicy"},
			{"orca", "gracefulShutdownTimeout=soon", "gracefulShutdownTimeout"},
			{"orca", "metrics.port=70000", "port"},
			{"orca", "dns.service.type=External", "type"},
			{"orca", "dns.zone=Not_A_Zone", "zone"},
			{"orca", "hooks.port=0", "port"},
			{"orca", "hooks.servic.port=80", "servic"},
			{"orca-cluster", "spec.instancs=3", "instancs"},
			{"orca-cluster", "spec.placement=Sometimes", "placement"},
			{"orca-cluster", "name=My_Cluster", "name"},
			{"orca-crds", "anything=1", "anything"},
		} {
			out, err := runHelm(t, bin, "template", "orca", chartDir(tc.chart), "--kube-version", kubeVersion,
				"--set", tc.set)
			if err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("helm %s template %s --set %s: want a schema error naming %q, got %v\n%s", v, tc.chart,
					tc.set, tc.mention, err, out)
			}
		}
	}
}

// splitDocs splits a multi-document YAML stream into its non-empty documents.
func splitDocs(stream string) []string {
	var docs []string
	for _, d := range strings.Split("\n"+stream, "\n---") {
		if strings.TrimSpace(stripComments(d)) != "" {
			docs = append(docs, d)
		}
	}
	return docs
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}
