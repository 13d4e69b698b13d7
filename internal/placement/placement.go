// Package placement reads where a cluster's members run, as the spread rules (topology.AssessSpread) take
// it: each member pod's node, each node's zone, and how many zones the members' nodes may span. The reconciler
// (the MembersSpread condition) and the cluster loop (rebalancing) both read it here.
package placement

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/topology"
)

// Nodes is what the spread rules need of the nodes.
type Nodes struct {
	// ZoneOf maps a node name to its topology.kubernetes.io/zone label ("" when it has none).
	ZoneOf map[string]string
	// Zones is how many distinct zones the nodes matching the members' nodeSelector span.
	Zones int
}

// ListNodes reads the nodes' metadata only (names and labels): the cache then holds no node status, which is
// most of a node object in a large cluster.
func ListNodes(ctx context.Context, r client.Reader, c *v1.InnoDBCluster) (Nodes, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NodeList"))
	if err := r.List(ctx, list); err != nil {
		return Nodes{}, fmt.Errorf("list nodes: %w", err)
	}
	var selector map[string]string
	if p := c.Spec.PodSpec; p != nil {
		selector = p.NodeSelector
	}
	return ReadNodes(list.Items, selector), nil
}

// ReadNodes maps every node to its zone and counts the zones of the nodes the selector admits.
func ReadNodes(nodes []metav1.PartialObjectMetadata, nodeSelector map[string]string) Nodes {
	n := Nodes{ZoneOf: map[string]string{}}
	admits := labels.SelectorFromSet(nodeSelector)
	zones := map[string]bool{}
	for i := range nodes {
		node := &nodes[i]
		zone := node.Labels[corev1.LabelTopologyZone]
		n.ZoneOf[node.Name] = zone
		if zone != "" && admits.Matches(labels.Set(node.Labels)) {
			zones[zone] = true
		}
	}
	n.Zones = len(zones)
	return n
}

// Members lists the desired members' placements: one per pod of an ordinal below spec.instances that is not
// being deleted (a terminating pod is leaving its node), with its node and zone; unscheduled pods have none.
func Members(c *v1.InnoDBCluster, pods []corev1.Pod, n Nodes) []topology.Placement {
	var out []topology.Placement
	for i := range pods {
		p := &pods[i]
		ord, err := specs.Ordinal(p.Name)
		if err != nil || ord >= int(c.Spec.Instances) || p.DeletionTimestamp != nil {
			continue
		}
		out = append(out, topology.Placement{Pod: p.Name, Node: p.Spec.NodeName, Zone: n.ZoneOf[p.Spec.NodeName]})
	}
	return out
}

// Assess applies the spread rules to the cluster's pods on the nodes.
func Assess(c *v1.InnoDBCluster, pods []corev1.Pod, n Nodes) topology.Spread {
	return topology.AssessSpread(int(c.Spec.Instances), n.Zones, Members(c, pods, n))
}
