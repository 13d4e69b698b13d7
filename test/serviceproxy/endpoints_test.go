package serviceproxy

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func endpoint(pod string, ready *bool) discoveryv1.Endpoint {
	return discoveryv1.Endpoint{Addresses: []string{"10.244.0.9"}, Conditions: discoveryv1.EndpointConditions{
		Ready: ready}, TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: pod}}
}

func TestBackendsAreReadyKnownPodsOnTheNamedPort(t *testing.T) {
	addrs := map[string]string{"ns/a": "127.0.100.2", "ns/b": "127.0.100.3", "ns/c": "127.0.100.4",
		"ns/ip": "10.244.0.9"}
	r := Resolvers(ResolverFunc(func(string, string) string { return "" }), ResolverFunc(func(ns, pod string) string {
		return addrs[ns+"/"+pod]
	}))
	slices := []discoveryv1.EndpointSlice{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns"}, AddressType: discoveryv1.AddressTypeIPv4,
			Ports: []discoveryv1.EndpointPort{{Name: ptr.To("mysql-rw"), Port: ptr.To[int32](6446)},
				{Name: ptr.To("http"), Port: ptr.To[int32](8080)}},
			Endpoints: []discoveryv1.Endpoint{endpoint("a", ptr.To(true)), endpoint("b", nil),
				endpoint("c", ptr.To(false)), endpoint("unknown", ptr.To(true)), endpoint("ip", ptr.To(true))}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns"}, AddressType: discoveryv1.AddressTypeIPv4,
			Ports:     []discoveryv1.EndpointPort{{Name: ptr.To("other"), Port: ptr.To[int32](1)}},
			Endpoints: []discoveryv1.Endpoint{endpoint("c", ptr.To(true))}},
	}
	got := backends(corev1.ServicePort{Name: "mysql-rw", Port: 3306}, slices, r)
	if want := []string{"127.0.100.2:6446", "127.0.100.3:6446"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("backends %v, want %v", got, want)
	}
	unnamed := []discoveryv1.EndpointSlice{{ObjectMeta: metav1.ObjectMeta{Namespace: "ns"},
		AddressType: discoveryv1.AddressTypeIPv4, Ports: []discoveryv1.EndpointPort{{Port: ptr.To[int32](7000)}},
		Endpoints: []discoveryv1.Endpoint{endpoint("a", nil)}}}
	if got := backends(corev1.ServicePort{Port: 80}, unnamed, r); len(got) != 1 || got[0] != "127.0.100.2:7000" {
		t.Fatalf("unnamed port: %v", got)
	}
}
