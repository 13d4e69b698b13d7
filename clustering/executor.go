package clustering

import (
	"context"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/internal/tlsca"
	"github.com/orca-operator/orca/topology"
)

// Credentials are the accounts the loop uses. Passwords never appear in logs, events or errors.
type Credentials struct {
	RootUser, RootPassword               string
	AdminUser, AdminPassword             string
	ReplicationUser, ReplicationPassword string
	// RouterUser and RouterPassword are the router's account (clusters created before it have none).
	RouterUser, RouterPassword string
	// RootHosts are the hosts root is defined for (the Secret's rootHost, and localhost as the image creates
	// it); a rotated root password is set on each.
	RootHosts []string
}

// ClusterInfo is what an executor needs to know of a cluster to reach its members and run an action.
type ClusterInfo struct {
	// Key names the InnoDBCluster.
	Key types.NamespacedName
	// GroupName is group_replication_group_name.
	GroupName string
	// Credentials are the root and replication accounts.
	Credentials Credentials
	// Hosts maps each member pod to its report_host (the stable DNS name).
	Hosts map[string]string
	// Pods lists the member pods in ordinal order.
	Pods []string
	// Trust verifies the members' certificates (docs/tls.md).
	Trust tlsca.Trust
}

// Executor is the loop's only way to talk SQL: one observation and one action at a time, each against one
// member. The production executor is built on mysqladmin; tests may use a fake.
type Executor interface {
	// Status queries one member. An error means the member could not be queried (unreachable).
	Status(ctx context.Context, c *ClusterInfo, pod string) (*topology.MemberStatus, error)
	// Run runs one action to completion or error. It may outlive ctx by a few seconds to undo what must not
	// stay half done (a bootstrap flag, forced members, a lifted super_read_only).
	Run(ctx context.Context, c *ClusterInfo, a topology.Action) error
}
