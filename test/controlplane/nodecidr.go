package controlplane

import (
	"fmt"
	"math/bits"
	"net/netip"
)

// minNodePrefix is the largest per-node pod range: a /24 (254 pod IPs), as kube-controller-manager's
// --node-cidr-mask-size defaults to for IPv4.
const minNodePrefix = 24

// maxNodePrefix is the smallest per-node pod range accepted: a /30 leaves two pod IPs.
const maxNodePrefix = 30

// NodePodCIDRs splits podCIDR into one pod range per fake node, in node order, as the node IPAM
// controller would with --allocate-node-cidrs: node i gets the i-th /24 of the range (10.244.<i>.0/24 for the
// default 10.244.0.0/16), or a smaller block when the range cannot hold one /24 per node. Only IPv4 is supported.
// The ranges are fake, like the pod IPs kwok takes from them: nothing may dial them.
func NodePodCIDRs(podCIDR string, nodes int) ([]netip.Prefix, error) {
	parent, err := netip.ParsePrefix(podCIDR)
	if err != nil {
		return nil, fmt.Errorf("parse pod CIDR %q: %w", podCIDR, err)
	}
	if !parent.Addr().Is4() {
		return nil, fmt.Errorf("pod CIDR %s: only IPv4 ranges are supported", podCIDR)
	}
	if parent.Masked() != parent {
		return nil, fmt.Errorf("pod CIDR %s has host bits set (did you mean %s?)", podCIDR, parent.Masked())
	}
	if nodes <= 0 {
		return nil, nil
	}
	size := max(minNodePrefix, parent.Bits()+bits.Len(uint(nodes-1)))
	if size > maxNodePrefix {
		return nil, fmt.Errorf("pod CIDR %s is too small for %d nodes", podCIDR, nodes)
	}
	base := parent.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	step := uint32(1) << (32 - size)
	out := make([]netip.Prefix, nodes)
	for i := range out {
		n := start + uint32(i)*step
		addr := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		out[i] = netip.PrefixFrom(addr, size)
	}
	return out, nil
}
