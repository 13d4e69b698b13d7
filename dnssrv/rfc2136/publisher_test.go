package rfc2136

import (
	"context"
	"errors"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/orca-operator/orca/dnssrv"
)

const base = "mycluster.default." + testZone + "."

func records(t *testing.T, primary int) []dns.RR {
	t.Helper()
	var ms []dnssrv.Member
	for i, ip := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		role := dnssrv.RoleSecondary
		if i == primary {
			role = dnssrv.RolePrimary
		}
		ms = append(ms, dnssrv.Member{Pod: "mycluster-" + string(rune('0'+i)), Role: role, State: dnssrv.StateOnline,
			InMajority: true, IP: netip.MustParseAddr(ip)})
	}
	z, err := dnssrv.Build(dnssrv.ZoneConfig{Zone: testZone},
		[]dnssrv.Cluster{{Name: "mycluster", Namespace: "default", Members: ms}})
	if err != nil {
		t.Fatal(err)
	}
	return z.Records()
}

func srvSet(rrs []dns.RR) string {
	var out []string
	for _, rr := range rrs {
		if s, ok := rr.(*dns.SRV); ok {
			out = append(out, strings.TrimSuffix(s.Target, "."+base)+":"+strconv.Itoa(int(s.Priority)))
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func newPublisher(addr string) *Publisher {
	return &Publisher{Server: addr, Zone: testZone, KeyName: orcaKey, Secret: orcaSecret, BatchSize: 4}
}

// Orca's records land in a real BIND 9 and dig sees them; a second Sync sends nothing; a switchover sends only
// the RRsets that changed.
func TestPublishToBIND(t *testing.T) {
	addr := startBIND(t)
	p := newPublisher(addr)
	ctx := context.Background()
	res, err := p.Sync(ctx, records(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed != 9 || res.Messages != 3 { // 6 SRV names and 3 A records, 4 per message
		t.Fatalf("first sync %+v, want 9 RRsets in 3 messages", res)
	}
	if got := srvSet(dig(t, addr, "_mysqlx._tcp."+base, dns.TypeSRV)); got != "mycluster-0:0,mycluster-1:10,mycluster-2:10" {
		t.Fatalf("BIND answers %s", got)
	}
	if a := dig(t, addr, "mycluster-1."+base, dns.TypeA); len(a) != 1 || a[0].(*dns.A).A.String() != "10.0.0.2" {
		t.Fatalf("A %v", a)
	}
	if res, err = p.Sync(ctx, records(t, 0)); err != nil || res.Changed != 0 || res.Messages != 0 {
		t.Fatalf("unchanged records: %+v %v", res, err)
	}
	if res, err = p.Sync(ctx, records(t, 2)); err != nil || res.Changed != 6 {
		t.Fatalf("switchover: %+v %v, want the 6 SRV RRsets only", res, err)
	}
	if got := srvSet(dig(t, addr, "_mysql._tcp.primary."+base, dns.TypeSRV)); got != "mycluster-2:0" {
		t.Fatalf("after the switchover BIND answers %s", got)
	}
}

// Another writer changes an RRset between Orca's read and its update: the update's prerequisite fails, the
// writer's value stays, the other RRsets still land, and a conflict is reported; the next Sync repairs it.
func TestConcurrentWriterIsDetectedNotOverwritten(t *testing.T) {
	addr := startBIND(t)
	p := newPublisher(addr)
	ctx := context.Background()
	if _, err := p.Sync(ctx, records(t, 0)); err != nil {
		t.Fatal(err)
	}
	name := "_mysql._tcp.primary." + base
	p.beforeUpdate = func() {
		w := newPublisher(addr)
		rogue, _ := dns.NewRR(name + " 60 IN SRV 0 1 3306 rogue.example.net.")
		if _, err := w.Sync(ctx, []dns.RR{rogue}); err != nil {
			t.Errorf("the other writer: %v", err)
		}
	}
	res, err := p.Sync(ctx, records(t, 1))
	if !errors.Is(err, ErrConflict) || len(res.Conflicts) != 1 || res.Conflicts[0] != name+" SRV" {
		t.Fatalf("sync with a concurrent writer: %+v, %v", res, err)
	}
	if got := dig(t, addr, name, dns.TypeSRV); len(got) != 1 || got[0].(*dns.SRV).Target != "rogue.example.net." {
		t.Fatalf("the writer's value was overwritten: %v", got)
	}
	if got := srvSet(dig(t, addr, "_mysql._tcp."+base, dns.TypeSRV)); got != "mycluster-0:10,mycluster-1:0,mycluster-2:10" {
		t.Fatalf("the other RRsets did not land: %s", got)
	}
	p.beforeUpdate = nil
	if res, err = p.Sync(ctx, records(t, 1)); err != nil || res.Changed != 1 {
		t.Fatalf("repair: %+v %v", res, err)
	}
	if got := srvSet(dig(t, addr, name, dns.TypeSRV)); got != "mycluster-1:0" {
		t.Fatalf("drift not repaired: %s", got)
	}
}

// A change made behind Orca's back (the serial moves) is read and repaired on the next Sync.
func TestDriftRepaired(t *testing.T) {
	addr := startBIND(t)
	p := newPublisher(addr)
	ctx := context.Background()
	if _, err := p.Sync(ctx, records(t, 0)); err != nil {
		t.Fatal(err)
	}
	other := newPublisher(addr)
	gone := &dns.ANY{Hdr: dns.RR_Header{Name: "mycluster-0." + base, Rrtype: dns.TypeA, Class: dns.ClassINET}}
	m := new(dns.Msg).SetUpdate(testZone + ".")
	m.RemoveRRset([]dns.RR{gone})
	m.SetTsig(orcaKey+".", dns.HmacSHA256, 300, time.Now().Unix())
	if r, _, err := other.client(true).Exchange(m, addr); err != nil || r.Rcode != dns.RcodeSuccess {
		t.Fatalf("delete behind Orca's back: %v %v", r, err)
	}
	res, err := p.Sync(ctx, records(t, 0))
	if err != nil || res.Changed != 1 {
		t.Fatalf("repair %+v %v", res, err)
	}
	if a := dig(t, addr, "mycluster-0."+base, dns.TypeA); len(a) != 1 {
		t.Fatalf("A not restored: %v", a)
	}
}

func TestRefusedAndTSIGErrors(t *testing.T) {
	addr := startBIND(t)
	ctx := context.Background()
	bad := newPublisher(addr)
	bad.Secret = otherSec // right name, wrong secret
	if _, err := bad.Sync(ctx, records(t, 0)); !errors.Is(err, ErrTSIG) {
		t.Errorf("wrong secret: %v, want ErrTSIG", err)
	}
	unknown := newPublisher(addr)
	unknown.KeyName = "nobody"
	if _, err := unknown.Sync(ctx, records(t, 0)); !errors.Is(err, ErrTSIG) {
		t.Errorf("unknown key: %v, want ErrTSIG", err)
	}
	notAllowed := &Publisher{Server: addr, Zone: testZone, KeyName: otherKey, Secret: otherSec}
	if _, err := notAllowed.Sync(ctx, records(t, 0)); !errors.Is(err, ErrRefused) {
		t.Errorf("key not allowed to update: %v, want ErrRefused", err)
	}
	if got := dig(t, addr, "_mysql._tcp."+base, dns.TypeSRV); len(got) != 0 {
		t.Errorf("a refused update landed: %v", got)
	}
}
