package rbac

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/orca-operator/orca/test/envtestutil"
)

// Where the shipped RBAC lives and who it is for.
const (
	operatorNamespace = "orca-system"
	operatorAccount   = "orca"
)

// shippedObjects reads the objects config/rbac installs, in the order its kustomization lists the files.
func shippedObjects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	dir := filepath.Join(envtestutil.RepoRoot(), "config", "rbac")
	var kust struct {
		Resources []string `json:"resources"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &kust); err != nil {
		t.Fatal(err)
	}
	var objs []*unstructured.Unstructured
	for _, file := range kust.Resources {
		raw, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, decodeAll(t, file, raw)...)
	}
	return objs
}

func decodeAll(t *testing.T, file string, raw []byte) []*unstructured.Unstructured {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var objs []*unstructured.Unstructured
	for {
		var u unstructured.Unstructured
		if err := dec.Decode(&u.Object); errors.Is(err, io.EOF) {
			return objs
		} else if err != nil {
			t.Fatalf("decode %s: %v", file, err)
		}
		if len(u.Object) > 0 {
			objs = append(objs, &u)
		}
	}
}

// installShipped creates the operator's namespace and everything config/rbac holds, as kubectl apply -k would.
func installShipped(t *testing.T, admin client.Client, objs []*unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	ns := &unstructured.Unstructured{}
	ns.SetAPIVersion("v1")
	ns.SetKind("Namespace")
	ns.SetName(operatorNamespace)
	for _, obj := range append([]*unstructured.Unstructured{ns}, objs...) {
		if err := admin.Create(ctx, obj); err != nil {
			t.Fatalf("install %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
	}
}

// grantedBy lists every permission the shipped ClusterRole and Role grant.
func grantedBy(t *testing.T, objs []*unstructured.Unstructured) map[access]bool {
	t.Helper()
	granted := map[access]bool{}
	for _, obj := range objs {
		var rules []rbacv1.PolicyRule
		switch obj.GetKind() {
		case "ClusterRole":
			var r rbacv1.ClusterRole
			mustConvert(t, obj, &r)
			rules = r.Rules
		case "Role":
			var r rbacv1.Role
			mustConvert(t, obj, &r)
			rules = r.Rules
		default:
			continue
		}
		for _, rule := range rules {
			addRule(t, granted, rule)
		}
	}
	return granted
}

func addRule(t *testing.T, granted map[access]bool, rule rbacv1.PolicyRule) {
	t.Helper()
	if len(rule.ResourceNames) > 0 || len(rule.NonResourceURLs) > 0 {
		t.Fatalf("rule %+v: this suite only checks plain resource rules", rule)
	}
	for _, g := range rule.APIGroups {
		for _, r := range rule.Resources {
			for _, v := range rule.Verbs {
				if g == "*" || r == "*" || v == "*" {
					t.Errorf("wildcard in shipped rule %+v: grant what is used, by name", rule)
				}
				granted[access{g, r, v}] = true
			}
		}
	}
}

func mustConvert(t *testing.T, u *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into); err != nil {
		t.Fatalf("convert %s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

func serviceAccountUser() string {
	return fmt.Sprintf("system:serviceaccount:%s:%s", operatorNamespace, operatorAccount)
}
