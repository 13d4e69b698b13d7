package simworld

import (
	"context"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/test/mysqlsim"
)

// PodNetwork is where a member's pod sits on the simulated pod network: its pod IP (kwok's, from its node's
// range) and its node's pod CIDR, the subnet of the pod's interface on a flannel-like network. They are data
// for the simulator's model of the member's network (XCom's AUTOMATIC IP allowlist admits the subnets of the
// member's own interfaces); nothing may ever dial these addresses, members listen on loopback only.
type PodNetwork struct {
	// PodIP is the pod's status.podIP (invalid when the pod had none).
	PodIP netip.Addr `json:"podIP"`
	// Node is the node the pod runs on.
	Node string `json:"node"`
	// NodePodCIDR is the node's spec.podCIDR (invalid when the node has none).
	NodePodCIDR netip.Prefix `json:"nodePodCIDR"`
}

// PodNetwork returns the pod network of a pod's member as of its last boot, false when the pod has no member.
func (w *World) PodNetwork(namespace, pod string) (PodNetwork, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := w.members[types.NamespacedName{Namespace: namespace, Name: pod}]; m != nil {
		return m.network, true
	}
	return PodNetwork{}, false
}

// podNetwork reads the pod's IP and its node's pod range. What is missing or unreadable stays invalid: it is
// logged, and never stops a boot.
func (w *World) podNetwork(ctx context.Context, pod *corev1.Pod) PodNetwork {
	n := PodNetwork{Node: pod.Spec.NodeName}
	if ip, err := netip.ParseAddr(pod.Status.PodIP); err == nil {
		n.PodIP = ip
	} else {
		w.log.Info("pod has no pod IP", "pod", pod.Namespace+"/"+pod.Name, "podIP", pod.Status.PodIP)
	}
	if n.Node == "" {
		return n
	}
	var node corev1.Node
	if err := w.reader.Get(ctx, types.NamespacedName{Name: n.Node}, &node); err != nil {
		w.log.Info("cannot read the pod's node", "pod", pod.Namespace+"/"+pod.Name, "node", n.Node, "error",
			err.Error())
		return n
	}
	cidr := node.Spec.PodCIDR
	if len(node.Spec.PodCIDRs) > 0 {
		cidr = node.Spec.PodCIDRs[0]
	}
	if p, err := netip.ParsePrefix(cidr); err == nil {
		n.NodePodCIDR = p
	} else {
		w.log.Info("node has no pod CIDR", "node", n.Node, "podCIDR", cidr)
	}
	return n
}

// apply gives the simulated member its pod's network: group connections come from the pod IP, and the
// interface's subnet is the node's pod range (a flannel-like network: XCom's AUTOMATIC allowlist admits the
// members of the same node only, which is why Orca uses the MySQL communication stack).
func (n PodNetwork) apply(cfg *mysqlsim.MemberConfig) {
	if n.PodIP.IsValid() {
		cfg.NetworkAddress = n.PodIP.String()
	}
	if n.NodePodCIDR.IsValid() {
		cfg.Subnets = []string{n.NodePodCIDR.String()}
	}
}
