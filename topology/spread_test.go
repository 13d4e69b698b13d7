package topology

import (
	"strings"
	"testing"
)

// spreadOf places member i on nodes[i] and zones[i] ("" = unscheduled or no zone).
func spreadOf(instances, zones int, nodes, zoneOf []string) Spread {
	var ps []Placement
	for i := range nodes {
		z := ""
		if i < len(zoneOf) {
			z = zoneOf[i]
		}
		ps = append(ps, Placement{Pod: pod(i), Node: nodes[i], Zone: z})
	}
	return AssessSpread(instances, zones, ps)
}

func TestAssessSpread(t *testing.T) {
	rows := []struct {
		name                string
		instances, zones    int
		nodes, zonesOf      []string
		colocated           bool
		shared, majority    string // "node:pods" and "zone:pods", "" for none
		unavoidable, phrase string
	}{
		{name: "three nodes in three zones", instances: 3, zones: 3,
			nodes: []string{"n0", "n1", "n2"}, zonesOf: []string{"a", "b", "c"},
			phrase: "no two of the 3 scheduled members share a node and no zone holds a majority"},
		{name: "two members on one node", instances: 3, zones: 3,
			nodes: []string{"n0", "n0", "n2"}, zonesOf: []string{"a", "a", "c"}, colocated: true,
			shared: "n0:mysql-0,mysql-1", majority: "a:mysql-0,mysql-1",
			phrase: "mysql-0 and mysql-1 share node n0; zone a holds 2 of the 3 members (mysql-0, mysql-1)"},
		{name: "a zone with a majority on separate nodes", instances: 3, zones: 3,
			nodes: []string{"n0", "n1", "n2"}, zonesOf: []string{"a", "a", "b"}, colocated: true,
			majority: "a:mysql-0,mysql-1", phrase: "zone a holds 2 of the 3 members"},
		{name: "three members in two zones: a majority nobody can avoid", instances: 3, zones: 2,
			nodes: []string{"n0", "n1", "n2"}, zonesOf: []string{"a", "a", "b"},
			unavoidable: "a:mysql-0,mysql-1", phrase: "the nodes span only 2 zones"},
		{name: "nodes without zones: only nodes count", instances: 3, zones: 0,
			nodes: []string{"n0", "n1", "n2"}, phrase: "no two of the 3 scheduled members share a node"},
		{name: "one member is never colocated", instances: 1, zones: 3, nodes: []string{"n0"},
			zonesOf: []string{"a"}},
		{name: "two members on two zones", instances: 2, zones: 2, nodes: []string{"n0", "n1"},
			zonesOf: []string{"a", "a"}, colocated: true, majority: "a:mysql-0,mysql-1"},
		{name: "unscheduled members do not count", instances: 3, zones: 3, nodes: []string{"n0", "", ""},
			zonesOf: []string{"a", "a", "a"}, phrase: "2 of 3 members are not scheduled yet"},
		{name: "five on three zones 2-2-1", instances: 5, zones: 3,
			nodes: []string{"n0", "n1", "n2", "n3", "n4"}, zonesOf: []string{"a", "a", "b", "b", "c"}},
		{name: "five with three in one zone", instances: 5, zones: 3,
			nodes: []string{"n0", "n1", "n2", "n3", "n4"}, zonesOf: []string{"a", "a", "a", "b", "c"},
			colocated: true, majority: "a:mysql-0,mysql-1,mysql-2"},
		{name: "five on three nodes", instances: 5, zones: 0, nodes: []string{"n0", "n1", "n2", "n0", "n1"},
			colocated: true, shared: "n0:mysql-0,mysql-3 n1:mysql-1,mysql-4", phrase: "(5 members on 3 nodes)"},
		{name: "seven 3-2-2", instances: 7, zones: 3,
			nodes: []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6"}, zonesOf: []string{"a", "a", "a", "b", "b", "c", "c"}},
		{name: "nine 4-3-2: no majority", instances: 9, zones: 3,
			nodes:   []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"},
			zonesOf: []string{"a", "a", "a", "a", "b", "b", "b", "c", "c"}},
		{name: "nine 5-2-2", instances: 9, zones: 3,
			nodes:   []string{"n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8"},
			zonesOf: []string{"a", "a", "a", "a", "a", "b", "b", "c", "c"}, colocated: true,
			majority: "a:mysql-0,mysql-1,mysql-2,mysql-3,mysql-4"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			s := spreadOf(r.instances, r.zones, r.nodes, r.zonesOf)
			if s.Colocated() != r.colocated {
				t.Errorf("colocated %v, want %v: %+v", s.Colocated(), r.colocated, s)
			}
			if got := crowdList(s.SharedNodes...); got != r.shared {
				t.Errorf("shared nodes %q, want %q", got, r.shared)
			}
			if got := crowdPtr(s.MajorityZone); got != r.majority {
				t.Errorf("majority zone %q, want %q", got, r.majority)
			}
			if got := crowdPtr(s.UnavoidableZone); got != r.unavoidable {
				t.Errorf("unavoidable zone %q, want %q", got, r.unavoidable)
			}
			if !strings.Contains(s.Describe(), r.phrase) {
				t.Errorf("Describe() = %q, want it to contain %q", s.Describe(), r.phrase)
			}
		})
	}
}

func crowdList(cs ...Crowd) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Domain+":"+strings.Join(c.Pods, ","))
	}
	return strings.Join(out, " ")
}

func crowdPtr(c *Crowd) string {
	if c == nil {
		return ""
	}
	return crowdList(*c)
}

// Crowded names exactly the members a move would spread further.
func TestSpreadCrowded(t *testing.T) {
	s := spreadOf(5, 3, []string{"n0", "n0", "n1", "n2", "n3"}, []string{"a", "a", "a", "b", "c"})
	for i, want := range []bool{true, true, true, false, false} {
		if got := s.Crowded(pod(i)); got != want {
			t.Errorf("%s crowded %v, want %v (%s)", pod(i), got, want, s.Describe())
		}
	}
	if s.Crowded("nope") {
		t.Error("an unknown pod is crowded")
	}
}
