package controlplane

import (
	"fmt"
	"testing"
)

func TestNodePodCIDRs(t *testing.T) {
	for _, tc := range []struct {
		cidr  string
		nodes int
		want  string
	}{
		{"10.244.0.0/16", 3, "[10.244.0.0/24 10.244.1.0/24 10.244.2.0/24]"},
		{"10.0.0.0/16", 1, "[10.0.0.0/24]"},
		{"10.0.0.0/24", 3, "[10.0.0.0/26 10.0.0.64/26 10.0.0.128/26]"},
		{"10.0.0.0/24", 4, "[10.0.0.0/26 10.0.0.64/26 10.0.0.128/26 10.0.0.192/26]"},
		{"10.0.0.0/23", 2, "[10.0.0.0/24 10.0.1.0/24]"},
		{"10.0.0.0/8", 0, "[]"},
	} {
		got, err := NodePodCIDRs(tc.cidr, tc.nodes)
		if err != nil || fmt.Sprint(got) != tc.want {
			t.Errorf("NodePodCIDRs(%s, %d) = %v, %v; want %s", tc.cidr, tc.nodes, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		cidr  string
		nodes int
	}{{"10.0.0.0/29", 3}, {"fd00::/64", 1}, {"10.0.0.1/16", 1}, {"nonsense", 1}} {
		if got, err := NodePodCIDRs(tc.cidr, tc.nodes); err == nil {
			t.Errorf("NodePodCIDRs(%s, %d) = %v, want an error", tc.cidr, tc.nodes, got)
		}
	}
}
