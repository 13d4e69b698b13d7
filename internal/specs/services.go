package specs

import (
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// memberPorts are the ports of every member Service. Group Replication needs none of its own: the MYSQL
// communication stack uses the classic port.
func memberPorts() []corev1.ServicePort {
	return []corev1.ServicePort{
		{Name: "mysql", Port: PortMySQL, TargetPort: intstr.FromInt32(PortMySQL)},
		{Name: "mysqlx", Port: PortMySQLX, TargetPort: intstr.FromInt32(PortMySQLX)},
	}
}

// HeadlessService governs the StatefulSet. It publishes members that are not Ready, because a member must
// be resolvable by its peers while it joins the group, long before it is ONLINE.
func HeadlessService(c *v1.InnoDBCluster) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: HeadlessServiceName(c), Namespace: c.Namespace, Labels: ObjectLabels(c)},
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 SelectorLabels(c),
			Ports:                    memberPorts(),
		},
	}
}

// ClientServices are the Services applications use. <name>-primary follows the primary and <name>-replicas the
// secondaries, selecting on the role label Orca moves on every primary change. <name> follows the primary the
// same way unless viaRouter; then it leads to the routers' read-write ports (its 3306 and 33060 to 6446 and 6448,
// and the four router ports under their own numbers). While a router is asked for, <name>-ro leads its 3306 and
// 33060 to the read-only ports (6447 and 6449). viaRouter counts only while a router is asked for. Every one
// takes spec.service's type, labels and annotations.
func ClientServices(c *v1.InnoDBCluster, viaRouter bool) []*corev1.Service {
	member := func(name, role string) *corev1.Service {
		return clientService(c, name, merge(SelectorLabels(c), map[string]string{v1.LabelRole: role}), memberPorts())
	}
	main := member(ClientServiceName(c), v1.RolePrimary)
	if viaRouter && c.RouterEnabled() {
		main = clientService(c, ClientServiceName(c), RouterSelectorLabels(c), routerReadWritePorts())
	}
	svcs := []*corev1.Service{main, member(PrimaryServiceName(c), v1.RolePrimary),
		member(ReplicasServiceName(c), v1.RoleSecondary)}
	if c.RouterEnabled() {
		svcs = append(svcs, clientService(c, ReadOnlyServiceName(c), RouterSelectorLabels(c), routerReadOnlyPorts()))
	}
	return svcs
}

// SelectsRouters reports whether a Service selects the cluster's router pods.
func SelectsRouters(svc *corev1.Service) bool {
	return svc.Spec.Selector[v1.LabelComponent] == v1.ComponentRouter
}

func clientService(c *v1.InnoDBCluster, name string, selector map[string]string,
	ports []corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: c.Namespace,
			Labels: merge(c.Spec.Service.Labels, ObjectLabels(c)), Annotations: c.Spec.Service.Annotations},
		Spec: corev1.ServiceSpec{Type: c.Spec.Service.Type, Selector: selector, Ports: ports},
	}
}

// PodDisruptionBudget lets voluntary disruptions (node drains, evictions) take one member at a time
// (maxUnavailable 1), and no Ready member while another is not Ready: a drain waits for the evicted member to
// be back ONLINE (its readiness gate), wherever the scheduler puts it, before it evicts the next. A majority
// (minAvailable) would let one drain of a node holding two members of five evict both at once. Clusters of
// fewer than 3 members have no fault tolerance to protect and get no budget (it would block every drain), so
// this returns nil for them.
func PodDisruptionBudget(c *v1.InnoDBCluster) *policyv1.PodDisruptionBudget {
	if c.Spec.Instances < 3 {
		return nil
	}
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: metav1.ObjectMeta{Name: PDBName(c), Namespace: c.Namespace, Labels: ObjectLabels(c)},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: SelectorLabels(c)},
		},
	}
}

// ConfigMap holds the rendered my.cnf.
func ConfigMap(c *v1.InnoDBCluster, mycnf string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName(c), Namespace: c.Namespace, Labels: ObjectLabels(c)},
		Data:       map[string]string{MyCnfKey: mycnf},
	}
}
