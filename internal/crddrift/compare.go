// Package crddrift compares the CRDs installed in the cluster with the ones this operator was built with: an
// older installed schema silently strips the fields it lacks from every write (a `helm upgrade` of the operator
// without its CRDs does that), so the operator says so in its log, an Event, a metric and a condition.
package crddrift

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// Drift is how one installed CRD differs from the built one. The zero value means they agree.
type Drift struct {
	// CRD is the CRD's name.
	CRD string
	// MissingVersions are versions the operator serves that the installed CRD does not.
	MissingVersions []string
	// Missing are field paths the operator writes or reads that the installed schema lacks: writes to them
	// are stripped by the API server.
	Missing []string
	// Unknown are field paths the installed schema has that this operator does not know (a newer CRD).
	Unknown []string
	// Changed is true when the schemas differ in anything else (types, validation, defaults).
	Changed bool
	// NotInstalled is true when the CRD is absent.
	NotInstalled bool
}

// Drifted reports whether the installed CRD differs at all.
func (d Drift) Drifted() bool {
	return d.NotInstalled || len(d.MissingVersions) > 0 || len(d.Missing) > 0 || len(d.Unknown) > 0 || d.Changed
}

// Summary says in one line what differs, naming at most a few fields of each kind.
func (d Drift) Summary() string {
	if d.NotInstalled {
		return fmt.Sprintf("CRD %s is not installed", d.CRD)
	}
	var parts []string
	if len(d.MissingVersions) > 0 {
		parts = append(parts, "versions missing: "+strings.Join(d.MissingVersions, ", "))
	}
	if len(d.Missing) > 0 {
		parts = append(parts, fmt.Sprintf("the installed schema lacks %s (written values are stripped)",
			few(d.Missing)))
	}
	if len(d.Unknown) > 0 {
		parts = append(parts, fmt.Sprintf("it has fields this operator does not know: %s", few(d.Unknown)))
	}
	if d.Changed && len(parts) == 0 {
		parts = append(parts, "its validation or defaults differ")
	}
	if len(parts) == 0 {
		return fmt.Sprintf("CRD %s matches this operator", d.CRD)
	}
	return fmt.Sprintf("CRD %s differs from this operator's: %s; upgrade the CRDs (helm upgrade orca-crds, or "+
		"kubectl apply --server-side -k config/crd)", d.CRD, strings.Join(parts, "; "))
}

func few(paths []string) string {
	const n = 5
	if len(paths) <= n {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:n], ", "), len(paths)-n)
}

// Compare is pure: how installed (nil when absent) differs from built, version by version.
func Compare(built, installed *apiextensionsv1.CustomResourceDefinition) Drift {
	d := Drift{CRD: built.Name}
	if installed == nil {
		d.NotInstalled = true
		return d
	}
	for _, bv := range built.Spec.Versions {
		iv := findVersion(installed, bv.Name)
		if iv == nil || !iv.Served {
			d.MissingVersions = append(d.MissingVersions, bv.Name)
			continue
		}
		bs, is := schemaOf(bv), schemaOf(*iv)
		d.Missing = append(d.Missing, fieldsOnlyIn(bs, is, bv.Name)...)
		d.Unknown = append(d.Unknown, fieldsOnlyIn(is, bs, bv.Name)...)
		d.Changed = d.Changed || !reflect.DeepEqual(bs, is) ||
			!reflect.DeepEqual(bv.Subresources, iv.Subresources)
	}
	slices.Sort(d.Missing)
	slices.Sort(d.Unknown)
	return d
}

func findVersion(crd *apiextensionsv1.CustomResourceDefinition,
	name string) *apiextensionsv1.CustomResourceDefinitionVersion {
	for i := range crd.Spec.Versions {
		if crd.Spec.Versions[i].Name == name {
			return &crd.Spec.Versions[i]
		}
	}
	return nil
}

func schemaOf(v apiextensionsv1.CustomResourceDefinitionVersion) *apiextensionsv1.JSONSchemaProps {
	if v.Schema == nil {
		return nil
	}
	return v.Schema.OpenAPIV3Schema
}

// fieldsOnlyIn lists the property paths a has and b lacks, below prefix. A subtree b leaves open
// (x-kubernetes-preserve-unknown-fields) keeps everything, so nothing under it is missing.
func fieldsOnlyIn(a, b *apiextensionsv1.JSONSchemaProps, prefix string) []string {
	if a == nil {
		return nil
	}
	if b == nil {
		return []string{prefix}
	}
	if b.XPreserveUnknownFields != nil && *b.XPreserveUnknownFields {
		return nil
	}
	var out []string
	for name, ap := range a.Properties {
		bp, ok := b.Properties[name]
		if !ok {
			out = append(out, prefix+"."+name)
			continue
		}
		out = append(out, fieldsOnlyIn(&ap, &bp, prefix+"."+name)...)
	}
	if a.Items != nil && a.Items.Schema != nil {
		var bi *apiextensionsv1.JSONSchemaProps
		if b.Items != nil {
			bi = b.Items.Schema
		}
		out = append(out, fieldsOnlyIn(a.Items.Schema, bi, prefix+"[]")...)
	}
	return out
}
