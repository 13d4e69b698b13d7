package serviceproxy

import (
	"net"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// Resolver maps a pod to the loopback address its processes listen on ("" when it has none):
// podrunner.Runner.Address and simworld.World.Address.
type Resolver interface {
	Address(namespace, pod string) string
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(namespace, pod string) string

// Address calls f.
func (f ResolverFunc) Address(namespace, pod string) string { return f(namespace, pod) }

// Resolvers asks each resolver in turn; the first address wins.
func Resolvers(rs ...Resolver) Resolver {
	return ResolverFunc(func(namespace, pod string) string {
		for _, r := range rs {
			if a := r.Address(namespace, pod); a != "" {
				return a
			}
		}
		return ""
	})
}

// backends are the loopback host:port pairs a Service port forwards to: for every ready endpoint of the
// Service's EndpointSlices (ready unset counts as ready, as the API says) that is a pod the resolver knows, its
// loopback address and the slice's port of the same name as the Service port (the target port the controller
// resolved). Sorted, without duplicates.
func backends(port corev1.ServicePort, slices []discoveryv1.EndpointSlice, r Resolver) []string {
	seen := map[string]bool{}
	for i := range slices {
		s := &slices[i]
		target, ok := slicePort(s, port.Name)
		if !ok || s.AddressType != discoveryv1.AddressTypeIPv4 {
			continue
		}
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			if ep.TargetRef == nil || ep.TargetRef.Kind != "Pod" {
				continue
			}
			ns := ep.TargetRef.Namespace
			if ns == "" {
				ns = s.Namespace
			}
			host := r.Address(ns, ep.TargetRef.Name)
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				continue // never a pod IP: those are fake
			}
			seen[net.JoinHostPort(host, strconv.Itoa(int(target)))] = true
		}
	}
	out := make([]string, 0, len(seen))
	for b := range seen {
		out = append(out, b)
	}
	sort.Strings(out)
	return out
}

func slicePort(s *discoveryv1.EndpointSlice, name string) (int32, bool) {
	for _, p := range s.Ports {
		if p.Port != nil && (p.Name == nil && name == "" || p.Name != nil && *p.Name == name) {
			return *p.Port, true
		}
	}
	return 0, false
}
