package specs

import (
	"fmt"
	"strconv"
	"strings"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Ports of a MySQL member.
const (
	// PortMySQL is the classic protocol port: clients, distributed recovery and, with the MYSQL communication
	// stack, Group Replication's own connections.
	PortMySQL = 3306
	// PortMySQLX is the X Protocol port the operator observes members on.
	PortMySQLX = 33060
	// PortGroup is the port of every Group Replication address: group_replication_local_address, the seeds
	// (group_replication_group_seeds) and group_replication_force_members. The MYSQL communication stack uses
	// the classic port, so it is PortMySQL; the XCOM stack's own port (33061) is not opened any more.
	PortGroup = PortMySQL
	// ClusterZone is the default cluster DNS zone.
	ClusterZone = "cluster.local"
)

// StatefulSetName is the StatefulSet (and pod name prefix) of the cluster's members.
func StatefulSetName(c *v1.InnoDBCluster) string { return c.Name }

// HeadlessServiceName is the governing Service that gives each member a stable DNS name.
func HeadlessServiceName(c *v1.InnoDBCluster) string { return c.Name + "-instances" }

// PrimaryServiceName selects the primary.
func PrimaryServiceName(c *v1.InnoDBCluster) string { return c.Name + "-primary" }

// ReplicasServiceName selects the secondaries.
func ReplicasServiceName(c *v1.InnoDBCluster) string { return c.Name + "-replicas" }

// ClientServiceName is the cluster's main client Service.
func ClientServiceName(c *v1.InnoDBCluster) string { return c.Name }

// ReadOnlyServiceName reaches the routers' read-only ports; it exists only while a router runs.
func ReadOnlyServiceName(c *v1.InnoDBCluster) string { return c.Name + "-ro" }

// RouterName is the router Deployment and its PodDisruptionBudget.
func RouterName(c *v1.InnoDBCluster) string { return c.Name + "-router" }

// ConfigMapName holds the generated my.cnf.
func ConfigMapName(c *v1.InnoDBCluster) string { return c.Name + "-mycnf" }

// PDBName is the PodDisruptionBudget of the members.
func PDBName(c *v1.InnoDBCluster) string { return c.Name + "-pdb" }

// CredentialsSecretName is the root credentials Secret: spec.secretName or a generated one.
func CredentialsSecretName(c *v1.InnoDBCluster) string {
	if c.Spec.SecretName != "" {
		return c.Spec.SecretName
	}
	return c.Name + "-credentials"
}

// InternalSecretName holds the accounts Orca uses and the group name; users never edit it.
func InternalSecretName(c *v1.InnoDBCluster) string { return c.Name + "-internal" }

// PodName is the name of the member with the given ordinal.
func PodName(c *v1.InnoDBCluster, ordinal int) string {
	return StatefulSetName(c) + "-" + strconv.Itoa(ordinal)
}

// MemberHost is a member's stable DNS name, used as report_host and as the address other members dial.
func MemberHost(c *v1.InnoDBCluster, ordinal int, zone string) string {
	if zone == "" {
		zone = ClusterZone
	}
	return fmt.Sprintf("%s.%s.%s.svc.%s", PodName(c, ordinal), HeadlessServiceName(c), c.Namespace, zone)
}

// Ordinal parses the ordinal from a member pod name ("mycluster-2" -> 2).
func Ordinal(pod string) (int, error) {
	i := strings.LastIndexByte(pod, '-')
	if i < 0 || i == len(pod)-1 {
		return 0, fmt.Errorf("pod name %q has no ordinal suffix", pod)
	}
	digits := pod[i+1:]
	n, err := strconv.Atoi(digits)
	if err != nil || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("pod name %q has no ordinal suffix", pod)
	}
	return n, nil
}

// SelectorLabels select every member pod of the cluster.
func SelectorLabels(c *v1.InnoDBCluster) map[string]string {
	return map[string]string{v1.LabelCluster: c.Name, v1.LabelComponent: v1.ComponentMySQL}
}

// RouterSelectorLabels select every router pod of the cluster.
func RouterSelectorLabels(c *v1.InnoDBCluster) map[string]string {
	return map[string]string{v1.LabelCluster: c.Name, v1.LabelComponent: v1.ComponentRouter}
}

// ObjectLabels are put on every object Orca creates for the cluster.
func ObjectLabels(c *v1.InnoDBCluster) map[string]string {
	return map[string]string{v1.LabelCluster: c.Name, v1.LabelManagedBy: v1.ManagedByOrca}
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
