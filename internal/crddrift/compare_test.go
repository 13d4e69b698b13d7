package crddrift

import (
	"slices"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

func builtCRD(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crds, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range crds {
		if c.Name == "innodbclusters.mysql.orca.dev" {
			return c
		}
	}
	t.Fatal("no InnoDBCluster CRD embedded")
	return nil
}

// olderStatus is the built CRD with status.members[].zone and status.lastProbeTime removed, as an older release
// would have it.
func olderStatus(t *testing.T) *apiextensionsv1.CustomResourceDefinition {
	old := builtCRD(t).DeepCopy()
	status := old.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"]
	members := status.Properties["members"]
	delete(members.Items.Schema.Properties, "zone")
	status.Properties["members"] = members
	delete(status.Properties, "lastProbeTime")
	old.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"] = status
	return old
}

func TestCompareNamesTheFieldsAnOlderCRDStrips(t *testing.T) {
	built := builtCRD(t)
	if d := Compare(built, built.DeepCopy()); d.Drifted() {
		t.Fatalf("a CRD differs from itself: %+v", d)
	}
	d := Compare(built, olderStatus(t))
	want := []string{"v1alpha1.status.lastProbeTime", "v1alpha1.status.members[].zone"}
	if !d.Drifted() || !slices.Equal(d.Missing, want) || len(d.Unknown) != 0 {
		t.Fatalf("older CRD: missing %v unknown %v, want missing %v", d.Missing, d.Unknown, want)
	}
	if s := d.Summary(); !strings.Contains(s, "status.members[].zone") || !strings.Contains(s, "helm upgrade orca-crds") {
		t.Fatalf("summary %q names neither the field nor the fix", s)
	}
	// The other way round: the installed CRD is newer than the operator.
	if d := Compare(olderStatus(t), built); !slices.Equal(d.Unknown, want) || len(d.Missing) != 0 {
		t.Fatalf("newer CRD: unknown %v missing %v", d.Unknown, d.Missing)
	}
}

func TestCompareMissingCRDAndVersion(t *testing.T) {
	built := builtCRD(t)
	if d := Compare(built, nil); !d.NotInstalled || !strings.Contains(d.Summary(), "not installed") {
		t.Fatalf("absent CRD: %+v", d)
	}
	renamed := built.DeepCopy()
	renamed.Spec.Versions[0].Name = "v1beta1"
	if d := Compare(built, renamed); !slices.Equal(d.MissingVersions, []string{"v1alpha1"}) {
		t.Fatalf("missing version: %+v", d)
	}
	stricter := built.DeepCopy()
	spec := stricter.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
	spec.Description = "changed"
	stricter.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"] = spec
	if d := Compare(built, stricter); !d.Changed || len(d.Missing)+len(d.Unknown) != 0 {
		t.Fatalf("changed description: %+v", d)
	}
}

func TestSummaryNamesAFewFields(t *testing.T) {
	d := Drift{CRD: "x", Missing: []string{"a", "b", "c", "d", "e", "f", "g"}}
	if s := d.Summary(); !strings.Contains(s, "a, b, c, d, e and 2 more") {
		t.Fatalf("summary %q", s)
	}
}
