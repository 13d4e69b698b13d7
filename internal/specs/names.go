package specs

import (
	"fmt"
	"strconv"
	"strings"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
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
