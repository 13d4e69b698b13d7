// Package dnsfeed feeds dnssrv's Store on every operator replica: from the cluster status the leader writes
// (status.members has role, state, health and applier queue; pods give the IPs), which every replica watches,
// and on the leader also straight from the cluster loops' passes (clustering.ObservationSink), one API round
// trip sooner. Pod readiness is never read.
package dnsfeed

import (
	"net/netip"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/clustering"
	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/internal/specs"
)

// healthOnline is status.members[].health of a member ONLINE in the group with quorum.
const healthOnline = "Online"

// FromStatus is the records' input from a cluster's status and its member pods (for their IPs).
func FromStatus(c *v1.InnoDBCluster, pods []corev1.Pod, clusterZone string) dnssrv.Cluster {
	ips := podIPs(pods)
	out := settings(c)
	for _, m := range c.Status.Members {
		dm := dnssrv.Member{Pod: m.Pod, Role: m.Role, State: m.State, InMajority: m.Health == healthOnline,
			OfflineMode: m.OfflineMode, IP: ips[m.Pod], Port: specs.PortMySQL, XPort: specs.PortMySQLX}
		if m.ApplierQueue != nil {
			dm.ApplierQueue = *m.ApplierQueue
		}
		out.Members = append(out.Members, dm)
	}
	if r := c.Status.Router; r != nil && r.ReadyReplicas > 0 && r.ReadWriteService != "" {
		out.Router = &dnssrv.Router{RW: service(r.ReadWriteService, c.Namespace, clusterZone),
			RO: service(orDefault(r.ReadOnlyService, specs.ReadOnlyServiceName(c)), c.Namespace, clusterZone)}
	}
	return out
}

// FromLoop is the records' input from one pass of the cluster's loop (members only: the Store keeps the
// router and settings from the status).
func FromLoop(key types.NamespacedName, members []clustering.ObservedMember) dnssrv.Cluster {
	out := dnssrv.Cluster{Name: key.Name, Namespace: key.Namespace}
	for _, m := range members {
		ip, _ := netip.ParseAddr(m.PodIP)
		out.Members = append(out.Members, dnssrv.Member{Pod: m.Pod, Role: m.Role, State: m.State,
			InMajority: m.Online, OfflineMode: m.OfflineMode, ApplierQueue: m.ApplierQueue, IP: ip,
			Port: specs.PortMySQL, XPort: specs.PortMySQLX})
	}
	return out
}

// settings reads the per-cluster weights and lag threshold from the cluster's annotations; malformed
// entries are ignored (the defaults apply).
func settings(c *v1.InnoDBCluster) dnssrv.Cluster {
	out := dnssrv.Cluster{Name: c.Name, Namespace: c.Namespace, LagThreshold: dnssrv.DefaultLagThreshold}
	if v, err := strconv.ParseInt(strings.TrimSpace(c.Annotations[v1.AnnotationDNSLagThreshold]), 10, 64); err == nil {
		out.LagThreshold = v
	}
	for _, kv := range strings.Split(c.Annotations[v1.AnnotationDNSWeights], ",") {
		pod, w, ok := strings.Cut(strings.TrimSpace(kv), "=")
		n, err := strconv.ParseUint(strings.TrimSpace(w), 10, 16)
		if !ok || err != nil {
			continue
		}
		if out.Weights == nil {
			out.Weights = map[string]uint16{}
		}
		out.Weights[strings.TrimSpace(pod)] = uint16(n)
	}
	return out
}

func podIPs(pods []corev1.Pod) map[string]netip.Addr {
	out := map[string]netip.Addr{}
	for i := range pods {
		if pods[i].DeletionTimestamp != nil {
			continue
		}
		if ip, err := netip.ParseAddr(pods[i].Status.PodIP); err == nil {
			out[pods[i].Name] = ip
		}
	}
	return out
}

func service(name, namespace, clusterZone string) dnssrv.Service {
	return dnssrv.Service{Host: name + "." + namespace + ".svc." + orDefault(clusterZone, specs.ClusterZone),
		Port: specs.PortMySQL, XPort: specs.PortMySQLX}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
