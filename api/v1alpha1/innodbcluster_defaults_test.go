package v1alpha1

import (
	"reflect"
	"testing"
)

func TestSetDefaultsFillsCRDDefaultsOnly(t *testing.T) {
	var c InnoDBCluster
	c.SetDefaults()
	s := c.Spec
	if s.Instances != DefaultInstances || s.Version != DefaultVersion || s.BaseServerID != DefaultBaseServerID ||
		s.DatadirVolumeClaimTemplate.Storage != DefaultStorage ||
		s.DatadirRetentionPolicy.WhenDeleted != RetentionRetain || s.Service.Type != "ClusterIP" {
		t.Fatalf("defaults: %+v", s)
	}
	// The router is not implemented: no default may invent one the API server would refuse.
	if s.Router != nil {
		t.Fatalf("SetDefaults invented a router: %+v", s.Router)
	}
	again := c.DeepCopy()
	again.SetDefaults()
	if !reflect.DeepEqual(again.Spec, c.Spec) {
		t.Fatal("SetDefaults is not idempotent")
	}
}
