package dnssrv

import (
	"testing"
	"time"

	"github.com/miekg/dns"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newStore(t *testing.T) (*Store, *[]*Zone, *clock) {
	var published []*Zone
	c := &clock{t: time.Unix(1e9, 0)}
	s := &Store{Publish: func(z *Zone) error { published = append(published, z); return nil }, Now: c.now}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	return s, &published, c
}

func primaryOf(z *Zone) string {
	a := z.Lookup("_mysql._tcp.primary."+base, dns.TypeSRV).Answer
	if len(a) != 1 {
		return ""
	}
	return a[0].(*dns.SRV).Target
}

func TestStorePublishesOnlyChanges(t *testing.T) {
	s, published, _ := newStore(t)
	c := Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()}
	for range 3 {
		if err := s.Observe(c, FromStatus); err != nil {
			t.Fatal(err)
		}
	}
	if len(*published) != 2 || (*published)[1].Serial() != 2 {
		t.Fatalf("published %d zones, want the empty one and one with the cluster", len(*published))
	}
	if err := s.Forget("default", "mycluster"); err != nil {
		t.Fatal(err)
	}
	if len(*published) != 3 || primaryOf(s.Zone()) != "" || s.Zone().Serial() != 3 {
		t.Fatal("Forget did not publish a zone without the cluster")
	}
}

func TestStoreLoopObservationsOutrankStatusForAWhile(t *testing.T) {
	s, _, clk := newStore(t)
	oldPrimary := Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers(),
		Router: &Router{RW: Service{Host: "mycluster.default.svc.cluster.local"}}}
	if err := s.Observe(oldPrimary, FromStatus); err != nil {
		t.Fatal(err)
	}
	switched := Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()}
	switched.Members[0].Role, switched.Members[1].Role = RolePrimary, RoleSecondary
	if err := s.Observe(switched, FromLoop); err != nil {
		t.Fatal(err)
	}
	if primaryOf(s.Zone()) != "mycluster-1."+base {
		t.Fatalf("loop observation not applied: %s", primaryOf(s.Zone()))
	}
	if len(s.Zone().RRset("_mysql._tcp.router."+base, dns.TypeSRV)) != 1 {
		t.Error("a loop observation dropped the router names the status gave")
	}
	clk.t = clk.t.Add(time.Second)
	if err := s.Observe(oldPrimary, FromStatus); err != nil { // a status written before the switchover
		t.Fatal(err)
	}
	if primaryOf(s.Zone()) != "mycluster-1."+base {
		t.Fatal("a stale status overrode the loop's fresher observation")
	}
	clk.t = clk.t.Add(loopPrecedence)
	if err := s.Observe(oldPrimary, FromStatus); err != nil { // the loop stopped (leadership moved)
		t.Fatal(err)
	}
	if primaryOf(s.Zone()) != "mycluster-0."+base {
		t.Fatal("status ignored long after the loop stopped observing")
	}
}
