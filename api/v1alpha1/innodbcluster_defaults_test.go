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
		s.DatadirRetentionPolicy.WhenDeleted != RetentionRetain || s.Service.Type != "ClusterIP" ||
		s.Placement != PlacementPreferred {
		t.Fatalf("defaults: %+v", s)
	}
	// A cluster without a router object runs no router: no default may invent one.
	if s.Router != nil {
		t.Fatalf("SetDefaults invented a router: %+v", s.Router)
	}
	again := c.DeepCopy()
	again.SetDefaults()
	if !reflect.DeepEqual(again.Spec, c.Spec) {
		t.Fatal("SetDefaults is not idempotent")
	}
}

// A router object without instances runs DefaultRouterInstances, as the CRD's default does; an explicit 0 stays 0.
func TestSetDefaultsRouterInstances(t *testing.T) {
	var c InnoDBCluster
	c.Spec.Router = &RouterSpec{}
	c.SetDefaults()
	if c.Spec.Router.Instances == nil || *c.Spec.Router.Instances != DefaultRouterInstances {
		t.Fatalf("router instances %v, want %d", c.Spec.Router.Instances, DefaultRouterInstances)
	}
	zero := int32(0)
	c.Spec.Router.Instances = &zero
	c.SetDefaults()
	if *c.Spec.Router.Instances != 0 {
		t.Fatalf("an explicit 0 became %d", *c.Spec.Router.Instances)
	}
}
