package topology

import (
	"fmt"
	"slices"
	"strings"
)

// Placement is where one desired member's pod is scheduled: the input of the spread rules. The reconciler
// builds it from pods and nodes for the MembersSpread condition; Decide builds it from the observation.
type Placement struct {
	// Pod is the member's pod name.
	Pod string
	// Node is the node the pod is scheduled on; empty while it is not scheduled.
	Node string
	// Zone is the node's topology.kubernetes.io/zone label; empty when it has none.
	Zone string
}

// Crowd is one node or zone that holds members together.
type Crowd struct {
	// Domain is the node or zone name.
	Domain string
	// Pods are the members it holds, sorted.
	Pods []string
}

// Spread is how a cluster's members are placed over nodes and zones. A node loss takes every member on the
// node, a zone loss every member in the zone: two members on one node, or a majority in one zone, are what
// the spread rules exist to prevent.
type Spread struct {
	// Instances is the number of desired members.
	Instances int
	// Scheduled counts the desired members whose pod is on a node.
	Scheduled int
	// Nodes counts the distinct nodes the scheduled members are on.
	Nodes int
	// Zones is how many zones the nodes span (the input).
	Zones int
	// SharedNodes are the nodes holding two members or more, by name.
	SharedNodes []Crowd
	// MajorityZone is a zone holding more than half of the desired members, when the nodes span enough zones
	// for no zone to hold a majority (Zones * floor(Instances/2) >= Instances); nil otherwise.
	MajorityZone *Crowd
	// UnavoidableZone is a zone holding a majority while the nodes span too few zones to avoid it (three
	// members in two zones): reported for information, it is not colocation Orca could undo.
	UnavoidableZone *Crowd
}

// AssessSpread applies the spread rules. instances is the desired number of members, zones how many zones
// the nodes span; placements lists the desired members (any order; unscheduled ones have no Node). It is pure.
func AssessSpread(instances, zones int, placements []Placement) Spread {
	s := Spread{Instances: instances, Zones: zones}
	byNode, byZone := map[string][]string{}, map[string][]string{}
	for _, p := range placements {
		if p.Node == "" {
			continue
		}
		s.Scheduled++
		byNode[p.Node] = append(byNode[p.Node], p.Pod)
		if p.Zone != "" {
			byZone[p.Zone] = append(byZone[p.Zone], p.Pod)
		}
	}
	s.Nodes = len(byNode)
	s.SharedNodes = crowds(byNode, func(n int) bool { return n >= 2 })
	majority := crowds(byZone, func(n int) bool { return instances >= 2 && 2*n > instances })
	if len(majority) > 0 {
		z := majority[0] // at most one zone holds a majority
		if zones*(instances/2) >= instances {
			s.MajorityZone = &z
		} else {
			s.UnavoidableZone = &z
		}
	}
	return s
}

// crowds lists the domains whose member count keep accepts, by name, each with its pods sorted.
func crowds(by map[string][]string, keep func(int) bool) []Crowd {
	var out []Crowd
	for domain, pods := range by {
		if keep(len(pods)) {
			out = append(out, Crowd{Domain: domain, Pods: slices.Sorted(slices.Values(pods))})
		}
	}
	slices.SortFunc(out, func(a, b Crowd) int { return strings.Compare(a.Domain, b.Domain) })
	return out
}

// Colocated reports whether a node or zone loss could cost more than one member, or quorum, where a better
// placement exists.
func (s Spread) Colocated() bool { return len(s.SharedNodes) > 0 || s.MajorityZone != nil }

// Crowded reports whether the pod is on a shared node or in the majority zone: moving it would spread the
// members further.
func (s Spread) Crowded(pod string) bool {
	for _, c := range s.SharedNodes {
		if slices.Contains(c.Pods, pod) {
			return true
		}
	}
	return s.MajorityZone != nil && slices.Contains(s.MajorityZone.Pods, pod)
}

// Describe says in one sentence what is colocated, naming the members and the node or zone, or that nothing
// is.
func (s Spread) Describe() string {
	var parts []string
	for _, c := range s.SharedNodes {
		parts = append(parts, fmt.Sprintf("%s share node %s", joinPods(c.Pods), c.Domain))
	}
	if z := s.MajorityZone; z != nil {
		parts = append(parts, fmt.Sprintf("zone %s holds %d of the %d members (%s), a majority: losing it loses "+
			"quorum", z.Domain, len(z.Pods), s.Instances, strings.Join(z.Pods, ", ")))
	}
	if len(parts) > 0 {
		msg := strings.Join(parts, "; ")
		if s.Nodes < s.Instances && s.Scheduled == s.Instances {
			msg += fmt.Sprintf(" (%d members on %d nodes)", s.Instances, s.Nodes)
		}
		return msg
	}
	msg := fmt.Sprintf("no two of the %d scheduled members share a node", s.Scheduled)
	switch z := s.UnavoidableZone; {
	case z != nil:
		msg += fmt.Sprintf("; zone %s holds %d of the %d members, but the nodes span only %d zones, too few for "+
			"no zone to hold a majority", z.Domain, len(z.Pods), s.Instances, s.Zones)
	case s.Zones > 0:
		msg += " and no zone holds a majority"
	}
	if s.Scheduled < s.Instances {
		msg += fmt.Sprintf(" (%d of %d members are not scheduled yet)", s.Instances-s.Scheduled, s.Instances)
	}
	return msg
}

func joinPods(pods []string) string {
	if len(pods) == 2 {
		return pods[0] + " and " + pods[1]
	}
	return strings.Join(pods[:len(pods)-1], ", ") + " and " + pods[len(pods)-1]
}

// spread applies the rules to the observation's desired members. Pods being deleted are leaving their node.
func (a *analysis) spread() Spread {
	var ps []Placement
	for _, mi := range a.ordered {
		if mi.desired && mi.PodExists && !mi.PodDeleting {
			ps = append(ps, Placement{Pod: mi.Pod, Node: mi.Node, Zone: mi.Zone})
		}
	}
	return AssessSpread(a.obs.Instances, a.obs.Zones, ps)
}
