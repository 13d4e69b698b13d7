package helm

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
)

// certManagerModule holds cert-manager's published CRDs (deploy/crds); the Go module proxy serves it.
const certManagerModule = "github.com/cert-manager/cert-manager@v1.21.2"

// certManagerCRD is cert-manager's own Certificate CRD, so the chart's Certificate is checked against the schema
// cert-manager serves, not a copy of it.
func certManagerCRD(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", certManagerModule)
	cmd.Dir = t.TempDir() // outside Orca's module: nothing is added to go.mod
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s (the Go module proxy serves it): %v", certManagerModule, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download %s: %v\n%s", certManagerModule, err, out)
	}
	b, err := os.ReadFile(filepath.Join(mod.Dir, "deploy", "crds", "cert-manager.io_certificates.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return objects(t, string(b))[0]
}

// With certManager enabled the chart renders one Certificate whose names cover every name Orca's own CA would
// put in each member's certificate (so members verify each other's identity, VERIFY_IDENTITY, at any size the
// cluster scales to), and the cluster reads cert-manager's Secret; the server side is TestRenderedManifests.
func TestCertManagerCertificateCoversEveryMember(t *testing.T) {
	for _, v := range helmVersions {
		objs := byKind(objects(t, render(t, helmBinary(t, v), "orca-cluster",
			filepath.Join(chartDir("orca-cluster"), "ci", "cert-manager.yaml"))))
		cert, cluster := objs["Certificate"], objs["InnoDBCluster"]
		if cert == nil || cluster == nil {
			t.Fatalf("helm %s rendered %v", v, objs)
		}
		var c v1.InnoDBCluster
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(cluster.Object, &c); err != nil {
			t.Fatal(err)
		}
		secret, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
		if secret == "" || c.Spec.TLSSecretName != secret {
			t.Fatalf("helm %s: the cluster reads TLS secret %q, cert-manager writes %q", v, c.Spec.TLSSecretName,
				secret)
		}
		names, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
		for i := range 9 {
			if want := specs.MemberTLSNames(&c, i, "cluster.local", "db.example.org."); !tlsca.CoversAll(names,
				want) {
				t.Errorf("helm %s: the certificate's names %v do not cover member %d's %v", v, names, i, want)
			}
		}
		usages, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "usages")
		if !slices.Contains(usages, "server auth") || !slices.Contains(usages, "client auth") {
			t.Errorf("helm %s: usages %v (members are servers and clients of each other)", v, usages)
		}
	}
}

// Enabled without an issuer, or beside a tlsSecretName of the user's, the chart refuses to render.
func TestCertManagerValuesRefused(t *testing.T) {
	for _, v := range helmVersions {
		bin := helmBinary(t, v)
		for _, tc := range []struct {
			set     []string
			mention string
		}{
			{[]string{"certManager.enabled=true"}, "issuerRef"},
			{[]string{"certManager.enabled=true", "certManager.issuerRef.name=ca", "spec.tlsSecretName=mine"},
				"tlsSecretName"},
			{[]string{"certManager.issuerRef.kind=Vault"}, "kind"},
			{[]string{"certManager.duration=90days"}, "duration"},
		} {
			args := []string{"template", "orca", chartDir("orca-cluster"), "--kube-version", kubeVersion}
			for _, s := range tc.set {
				args = append(args, "--set", s)
			}
			if out, err := runHelm(t, bin, args...); err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("helm %s --set %v: want an error naming %q, got %v\n%s", v, tc.set, tc.mention, err, out)
			}
		}
	}
}
