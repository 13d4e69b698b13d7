package specs

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func cluster(instances int32) *v1.InnoDBCluster {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "team-a"}}
	c.Spec.Instances = instances
	c.SetDefaults()
	return c
}

func TestOrdinal(t *testing.T) {
	tests := map[string]int{"db-0": 0, "my-db-12": 12}
	for pod, want := range tests {
		if got, err := Ordinal(pod); err != nil || got != want {
			t.Errorf("Ordinal(%q) = %d, %v", pod, got, err)
		}
	}
	for _, bad := range []string{"db", "db-", "db-x", "db-+1"} {
		if _, err := Ordinal(bad); err == nil {
			t.Errorf("Ordinal(%q) accepted", bad)
		}
	}
}

func TestGeneratedSecrets(t *testing.T) {
	c := cluster(3)
	s, err := InternalSecret(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.StringData[KeyAdminPassword]) != 32 || s.StringData[KeyAdminPassword] == s.StringData[KeyReplicationPassword] {
		t.Fatal("passwords must be 32 characters and distinct")
	}
	if g := s.StringData[KeyGroupName]; len(g) != 36 || g[14] != '4' {
		t.Fatalf("group name %q is not a v4 UUID", g)
	}
}

func TestReplicasDuringScaleDownWaitsForMembersToLeave(t *testing.T) {
	c := cluster(3)
	c.Status.Members = []v1.MemberStatus{
		{Pod: "db-0", State: "ONLINE"}, {Pod: "db-1", State: "ONLINE"}, {Pod: "db-2", State: "ONLINE"},
		{Pod: "db-3", State: "OFFLINE"}, {Pod: "db-4", State: "ONLINE"},
	}
	if got := ReplicasDuringScaleDown(c); got != 5 {
		t.Fatalf("replicas %d, want 5 while db-4 is still ONLINE", got)
	}
	c.Status.Members[4].State = "OFFLINE"
	if got := ReplicasDuringScaleDown(c); got != 3 {
		t.Fatalf("replicas %d, want 3 once the extra members left", got)
	}
}
