package controllers

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/crddrift"
)

type fixedDrift map[string]crddrift.Drift

func (f fixedDrift) Drift(name string) (crddrift.Drift, bool) { d, ok := f[name]; return d, ok }

func TestSchemaConditionFollowsTheChecker(t *testing.T) {
	r := &InnoDBClusterReconciler{}
	if got := r.schemaCondition(); got.known {
		t.Fatalf("without a checker: %+v", got)
	}
	r.Schema = fixedDrift{}
	if got := r.schemaCondition(); got.known {
		t.Fatalf("before the first check: %+v", got)
	}
	r.Schema = fixedDrift{crdName: {CRD: crdName}}
	if got := r.schemaCondition(); got.status != metav1.ConditionTrue || got.reason != v1.ReasonCRDSchemaMatches {
		t.Fatalf("matching CRD: %+v", got)
	}
	r.Schema = fixedDrift{crdName: {CRD: crdName, Missing: []string{"v1alpha1.status.lastProbeTime"}}}
	got := r.schemaCondition()
	if got.status != metav1.ConditionFalse || got.reason != v1.ReasonCRDSchemaOutdated ||
		!strings.Contains(got.message, "status.lastProbeTime") {
		t.Fatalf("outdated CRD: %+v", got)
	}
}
