// Package v1alpha1 holds Orca's API: InnoDBCluster and the kinds that grow around it.
// +kubebuilder:object:generate=true
// +groupName=mysql.orca.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of every Orca kind.
	GroupVersion = schema.GroupVersion{Group: "mysql.orca.dev", Version: "v1alpha1"}

	// SchemeBuilder registers Orca's kinds with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds Orca's kinds to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
