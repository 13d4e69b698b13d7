package placement

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func node(name, zone, pool string) metav1.PartialObjectMetadata {
	n := metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"pool": pool}}}
	if zone != "" {
		n.Labels[corev1.LabelTopologyZone] = zone
	}
	return n
}

func pod(name, node string, deleting bool) corev1.Pod {
	p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{NodeName: node}}
	if deleting {
		p.DeletionTimestamp = &metav1.Time{}
	}
	return p
}

// Zones count only the nodes the members may run on: three zones in all, two in the members' pool.
func TestReadNodesCountsTheZonesOfEligibleNodes(t *testing.T) {
	nodes := []metav1.PartialObjectMetadata{node("a", "z1", "db"), node("b", "z2", "db"), node("c", "z3", "web"),
		node("d", "", "db"), node("e", "z1", "db")}
	if n := ReadNodes(nodes, nil); n.Zones != 3 || n.ZoneOf["b"] != "z2" || n.ZoneOf["d"] != "" {
		t.Fatalf("all nodes: %+v", n)
	}
	if n := ReadNodes(nodes, map[string]string{"pool": "db"}); n.Zones != 2 || n.ZoneOf["c"] != "z3" {
		t.Fatalf("pool db: %+v", n)
	}
}

// Two members on node a of zone z1 are colocated; the pod being deleted and the one beyond spec.instances
// (being scaled away) do not count.
func TestAssessNamesColocatedDesiredMembers(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: "db"}}
	c.Spec.Instances = 3
	n := ReadNodes([]metav1.PartialObjectMetadata{node("a", "z1", ""), node("b", "z2", ""), node("c", "z3", "")},
		nil)
	pods := []corev1.Pod{pod("db-0", "a", false), pod("db-1", "a", false), pod("db-2", "b", false),
		pod("db-3", "b", false)}
	s := Assess(c, pods, n)
	if len(s.SharedNodes) != 1 || s.SharedNodes[0].Domain != "a" || s.MajorityZone == nil ||
		s.MajorityZone.Domain != "z1" || s.Scheduled != 3 {
		t.Fatalf("spread %+v: %s", s, s.Describe())
	}
	pods[1] = pod("db-1", "a", true)
	if s := Assess(c, pods, n); s.Colocated() || s.Scheduled != 2 {
		t.Fatalf("with db-1 terminating: %s", s.Describe())
	}
}
