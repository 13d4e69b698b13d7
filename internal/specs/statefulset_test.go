package specs

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func mysqlContainerOf(t *testing.T, c *corev1.PodSpec) *corev1.Container {
	t.Helper()
	for i := range c.Containers {
		if c.Containers[i].Name == ContainerMySQL {
			return &c.Containers[i]
		}
	}
	t.Fatal("no mysql container")
	return nil
}

// The official image loads time zones without SQL_LOG_BIN=0 unless told not to: that would leave transactions
// under the member's own uuid before it ever joins.
func TestMySQLContainerSkipsTimeZoneLoading(t *testing.T) {
	sts, err := StatefulSet(cluster(3), StatefulSetOptions{OrcaImage: "orca:test"})
	if err != nil {
		t.Fatal(err)
	}
	ctr := mysqlContainerOf(t, &sts.Spec.Template.Spec)
	found := false
	for _, e := range ctr.Env {
		if e.Name == "MYSQL_INITDB_SKIP_TZINFO" && e.Value == "1" {
			found = true
		}
	}
	if !found {
		t.Fatalf("MYSQL_INITDB_SKIP_TZINFO=1 missing: %+v", ctr.Env)
	}
}

// The MYSQL communication stack needs no port of its own: neither the pods nor the Services open 33061.
func TestNoGroupReplicationPortOfItsOwn(t *testing.T) {
	c := cluster(3)
	sts, err := StatefulSet(c, StatefulSetOptions{OrcaImage: "orca:test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range mysqlContainerOf(t, &sts.Spec.Template.Spec).Ports {
		if p.ContainerPort != PortMySQL && p.ContainerPort != PortMySQLX {
			t.Errorf("container port %+v", p)
		}
	}
	for _, svc := range append(ClientServices(c, false), HeadlessService(c)) {
		for _, p := range svc.Spec.Ports {
			if p.Port != PortMySQL && p.Port != PortMySQLX {
				t.Errorf("service %s port %+v", svc.Name, p)
			}
		}
	}
}
