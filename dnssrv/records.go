package dnssrv

import (
	"net/netip"
	"time"
)

// Group Replication states and roles as status.members reports them.
const (
	StateOnline   = "ONLINE"
	RolePrimary   = "PRIMARY"
	RoleSecondary = "SECONDARY"
)

// Defaults of ZoneConfig and Cluster.
const (
	DefaultZone      = "mysql.orca.internal"
	DefaultRoleTTL   = time.Second
	DefaultMemberTTL = 5 * time.Second
	DefaultWeight    = 100
	// DefaultLagThreshold is the applier queue above which a secondary gets weight 0 (Orca's switchover bound).
	DefaultLagThreshold = 100
	defaultClassicPort  = 3306
	defaultXPort        = 33060
)

// SRV priorities: the primary first, secondaries next; on the replicas. names the primary comes last.
const (
	PriorityPrimary         = 0
	PrioritySecondary       = 10
	PriorityReplicasPrimary = 20
)

// ZoneConfig is the zone's own data. The zero value of every field is its documented default.
type ZoneConfig struct {
	// Zone is the apex, e.g. "mysql.orca.internal". Default DefaultZone.
	Zone string
	// Serial is the SOA serial of the snapshot (the Store increments it on every change). Default 1.
	Serial uint32
	// NSName is the apex's NS target. Default "ns.<zone>".
	NSName string
	// NSAddrs are A/AAAA records of NSName when it lies inside the zone. Default none.
	NSAddrs []netip.Addr
	// RoleTTL is the TTL of the SRV names (they follow roles). Default DefaultRoleTTL (1s).
	RoleTTL time.Duration
	// MemberTTL is the TTL of the member A records, the SOA and NS. Default DefaultMemberTTL (5s).
	MemberTTL time.Duration
}

// Cluster is one InnoDB Cluster's observed state, the builder's input.
type Cluster struct {
	// Name and Namespace name the cluster: its records live under <name>.<namespace>.<zone>.
	Name, Namespace string
	// Members are the pods of the cluster with what the cluster loop observed of them.
	Members []Member
	// Router is the router's Services while a router runs, nil otherwise.
	Router *Router
	// Weights are the SRV weights per pod name; a pod absent gets DefaultWeight.
	Weights map[string]uint16
	// LagThreshold: a secondary whose applier queue exceeds it gets weight 0. Negative disables the rule.
	LagThreshold int64
}

// Member is one member as the cluster loop (or status.members) saw it.
type Member struct {
	// Pod is the pod name; its A record is <pod>.<cluster>.<namespace>.<zone>.
	Pod string
	// Role is PRIMARY or SECONDARY.
	Role string
	// State is the Group Replication state; only ONLINE is listed.
	State string
	// InMajority is true when the member's view has quorum (Orca's health Online). A member ONLINE in a
	// minority view is not listed.
	InMajority bool
	// OfflineMode is true while the member refuses application connections: not listed.
	OfflineMode bool
	// ApplierQueue is the member's applier backlog (transactions).
	ApplierQueue int64
	// IP is the pod IP; a member without one is not listed (its SRV target would not resolve).
	IP netip.Addr
	// Port and XPort are the classic and X Protocol ports. Defaults 3306 and 33060.
	Port, XPort uint16
}

// Router is the router's two Services: RW (the cluster's main Service) and RO.
type Router struct {
	RW, RO Service
}

// Service is a Kubernetes Service an SRV record points at.
type Service struct {
	// Host is the Service's DNS name, e.g. "mycluster.default.svc.cluster.local".
	Host string
	// Port and XPort are its classic and X Protocol ports.
	Port, XPort uint16
}

// listed reports whether m belongs in the SRV records.
func (m Member) listed() bool {
	return m.State == StateOnline && m.InMajority && !m.OfflineMode && m.IP.IsValid() &&
		(m.Role == RolePrimary || m.Role == RoleSecondary)
}

func (m Member) ports() (uint16, uint16) {
	return orDefault(m.Port, defaultClassicPort), orDefault(m.XPort, defaultXPort)
}

// weight is m's SRV weight: the setting, or 0 for a lagging secondary.
func (c *Cluster) weight(m Member) uint16 {
	if m.Role == RoleSecondary && c.LagThreshold >= 0 && m.ApplierQueue > c.LagThreshold {
		return 0
	}
	if w, ok := c.Weights[m.Pod]; ok {
		return w
	}
	return DefaultWeight
}

func orDefault[T uint16 | uint32 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
