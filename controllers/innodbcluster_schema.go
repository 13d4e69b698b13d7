package controllers

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// crdName is the InnoDBCluster CRD's name.
const crdName = "innodbclusters.mysql.orca.dev"

// schemaReport is the CRDSchemaCurrent condition, known once the checker has compared the CRD.
type schemaReport struct {
	known   bool
	status  metav1.ConditionStatus
	reason  v1.ConditionReason
	message string
}

func (r *InnoDBClusterReconciler) schemaCondition() schemaReport {
	if r.Schema == nil {
		return schemaReport{}
	}
	d, ok := r.Schema.Drift(crdName)
	if !ok {
		return schemaReport{}
	}
	if d.Drifted() {
		return schemaReport{true, metav1.ConditionFalse, v1.ReasonCRDSchemaOutdated, d.Summary()}
	}
	return schemaReport{true, metav1.ConditionTrue, v1.ReasonCRDSchemaMatches, d.Summary()}
}
