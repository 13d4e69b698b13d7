package specs

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

// Ports of a router pod (MySQL Router's defaults).
const (
	// PortRouterRW is the classic protocol read-write port: the primary only.
	PortRouterRW = 6446
	// PortRouterRO is the classic protocol read-only port: the ONLINE secondaries, or the primary without any.
	PortRouterRO = 6447
	// PortRouterXRW is the X Protocol read-write port.
	PortRouterXRW = 6448
	// PortRouterXRO is the X Protocol read-only port.
	PortRouterXRO = 6449
	// PortRouterHTTP serves /healthz and /metrics.
	PortRouterHTTP = 8080
)
