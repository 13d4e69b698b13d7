package v1alpha1

import "testing"

func TestRouterInstances(t *testing.T) {
	n := func(v int32) *int32 { return &v }
	tests := []struct {
		name    string
		router  *RouterSpec
		want    int32
		enabled bool
	}{
		{"no router object", nil, 0, false},
		{"router object without instances", &RouterSpec{}, DefaultRouterInstances, true},
		{"instances 0", &RouterSpec{Instances: n(0)}, 0, false},
		{"instances 3", &RouterSpec{Instances: n(3)}, 3, true},
	}
	for _, tt := range tests {
		c := InnoDBCluster{Spec: InnoDBClusterSpec{Router: tt.router}}
		if got := c.RouterInstances(); got != tt.want {
			t.Errorf("%s: RouterInstances() = %d, want %d", tt.name, got, tt.want)
		}
		if got := c.RouterEnabled(); got != tt.enabled {
			t.Errorf("%s: RouterEnabled() = %v, want %v", tt.name, got, tt.enabled)
		}
	}
}
