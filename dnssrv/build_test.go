package dnssrv

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

const base = "mycluster.default.mysql.orca.internal."

func member(pod, role, state string, ip string) Member {
	return Member{Pod: pod, Role: role, State: state, InMajority: true, IP: netip.MustParseAddr(ip)}
}

func threeMembers() []Member {
	return []Member{
		member("mycluster-1", RoleSecondary, StateOnline, "10.0.0.2"),
		member("mycluster-0", RolePrimary, StateOnline, "10.0.0.1"),
		member("mycluster-2", RoleSecondary, StateOnline, "10.0.0.3"),
	}
}

func build(t testing.TB, clusters ...Cluster) *Zone {
	t.Helper()
	z, err := Build(ZoneConfig{}, clusters)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// srvs renders name's SRV answer as "priority weight port target" lines.
func srvs(z *Zone, name string) []string {
	var out []string
	for _, rr := range z.Lookup(name, dns.TypeSRV).Answer {
		s := rr.(*dns.SRV)
		out = append(out, strings.Join([]string{itoa(s.Priority), itoa(s.Weight), itoa(s.Port),
			strings.TrimSuffix(s.Target, "."+base)}, " "))
	}
	return out
}

func itoa(v uint16) string { return strconv.Itoa(int(v)) }

func TestBuildRoleNames(t *testing.T) {
	z := build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers(), LagThreshold: -1})
	cases := map[string][]string{
		"_mysql._tcp." + base: {"0 100 3306 mycluster-0", "10 100 3306 mycluster-1", "10 100 3306 mycluster-2"},
		"_mysqlx._tcp." + base: {"0 100 33060 mycluster-0", "10 100 33060 mycluster-1",
			"10 100 33060 mycluster-2"},
		"_mysql._tcp.primary." + base:  {"0 100 3306 mycluster-0"},
		"_mysqlx._tcp.primary." + base: {"0 100 33060 mycluster-0"},
		"_mysql._tcp.replicas." + base: {"10 100 3306 mycluster-1", "10 100 3306 mycluster-2",
			"20 100 3306 mycluster-0"},
		"_mysqlx._tcp.replicas." + base: {"10 100 33060 mycluster-1", "10 100 33060 mycluster-2",
			"20 100 33060 mycluster-0"},
	}
	for name, want := range cases {
		if got := srvs(z, name); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
}

func TestBuildTTLs(t *testing.T) {
	z := build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()})
	if ttl := z.Lookup("_mysql._tcp."+base, dns.TypeSRV).Answer[0].Header().Ttl; ttl != 1 {
		t.Errorf("SRV TTL %d, want 1", ttl)
	}
	a := z.Lookup("mycluster-0."+base, dns.TypeA).Answer
	if len(a) != 1 || a[0].Header().Ttl != 5 || a[0].(*dns.A).A.String() != "10.0.0.1" {
		t.Errorf("member A: %v", a)
	}
	z2, err := Build(ZoneConfig{RoleTTL: 3e9, MemberTTL: 30e9}, []Cluster{{Name: "mycluster",
		Namespace: "default", Members: threeMembers()}})
	if err != nil {
		t.Fatal(err)
	}
	if ttl := z2.Lookup("_mysql._tcp."+base, dns.TypeSRV).Answer[0].Header().Ttl; ttl != 3 {
		t.Errorf("configured SRV TTL %d, want 3", ttl)
	}
	if ttl := z2.Lookup("mycluster-1."+base, dns.TypeA).Answer[0].Header().Ttl; ttl != 30 {
		t.Errorf("configured A TTL %d, want 30", ttl)
	}
}

func TestBuildNeverListsMembersOutOfService(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Member)
	}{
		{"RECOVERING", func(m *Member) { m.State = "RECOVERING" }},
		{"ERROR", func(m *Member) { m.State = "ERROR" }},
		{"OFFLINE", func(m *Member) { m.State = "OFFLINE" }},
		{"UNREACHABLE", func(m *Member) { m.State = "UNREACHABLE" }},
		{"minority", func(m *Member) { m.InMajority = false }},
		{"offline_mode", func(m *Member) { m.OfflineMode = true }},
		{"no pod IP", func(m *Member) { m.IP = netip.Addr{} }},
		{"no role", func(m *Member) { m.Role = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := threeMembers()
			tc.mutate(&ms[0]) // mycluster-1, a secondary
			z := build(t, Cluster{Name: "mycluster", Namespace: "default", Members: ms})
			for _, name := range []string{"_mysql._tcp.", "_mysqlx._tcp.replicas."} {
				for _, line := range srvs(z, name+base) {
					if strings.HasSuffix(line, "mycluster-1") {
						t.Errorf("%s lists mycluster-1: %q", name, line)
					}
				}
			}
			if r := z.Lookup("mycluster-1."+base, dns.TypeA); r.Rcode != dns.RcodeNameError {
				t.Errorf("A of an unlisted member: rcode %d %v", r.Rcode, r.Answer)
			}
			if got := len(srvs(z, "_mysql._tcp."+base)); got != 2 {
				t.Errorf("%d members listed, want the other 2", got)
			}
		})
	}
}

func TestBuildWeightsAndLag(t *testing.T) {
	ms := threeMembers()
	ms[0].ApplierQueue = 101 // mycluster-1 lags
	ms[2].ApplierQueue = 100 // at the threshold: still weighted
	ms[1].ApplierQueue = 500 // the primary never gets weight 0
	z := build(t, Cluster{Name: "mycluster", Namespace: "default", Members: ms, LagThreshold: 100,
		Weights: map[string]uint16{"mycluster-0": 7, "mycluster-2": 30}})
	want := "0 7 3306 mycluster-0,10 0 3306 mycluster-1,10 30 3306 mycluster-2"
	if got := strings.Join(srvs(z, "_mysql._tcp."+base), ","); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	z = build(t, Cluster{Name: "mycluster", Namespace: "default", Members: ms, LagThreshold: -1})
	if got := strings.Join(srvs(z, "_mysql._tcp."+base), ","); strings.Contains(got, " 0 3306") {
		t.Errorf("lag rule disabled yet a weight 0: %q", got)
	}
}

func TestBuildNegativeAnswers(t *testing.T) {
	ms := threeMembers()
	ms[1].State = "ERROR" // no primary
	z := build(t, Cluster{Name: "mycluster", Namespace: "default", Members: ms})
	for _, tc := range []struct {
		name  string
		qtype uint16
		rcode int
		n     int
	}{
		{"_mysql._tcp.primary." + base, dns.TypeSRV, dns.RcodeSuccess, 0}, // exists, empty: NODATA
		{"_mysql._tcp." + base, dns.TypeA, dns.RcodeSuccess, 0},
		{"_tcp." + base, dns.TypeSRV, dns.RcodeSuccess, 0}, // empty non-terminal
		{base, dns.TypeA, dns.RcodeSuccess, 0},
		{"default.mysql.orca.internal.", dns.TypeSRV, dns.RcodeSuccess, 0},
		{"_mysql._tcp.other.default.mysql.orca.internal.", dns.TypeSRV, dns.RcodeNameError, 0},
		{"_ldap._tcp." + base, dns.TypeSRV, dns.RcodeNameError, 0},
		{"mycluster-0." + base, dns.TypeA, dns.RcodeNameError, 0}, // unlisted primary: no A
		{"mycluster-1." + base, dns.TypeAAAA, dns.RcodeSuccess, 0},
		{"example.com.", dns.TypeA, dns.RcodeRefused, 0},
		{"orca.internal.", dns.TypeSOA, dns.RcodeRefused, 0},
		{"MySQL.Orca.Internal", dns.TypeSOA, dns.RcodeSuccess, 1},
		{"mysql.orca.internal.", dns.TypeNS, dns.RcodeSuccess, 1},
		{"_MYSQL._TCP.MYCLUSTER.default.mysql.orca.internal.", dns.TypeSRV, dns.RcodeSuccess, 2},
	} {
		r := z.Lookup(tc.name, tc.qtype)
		if r.Rcode != tc.rcode || len(r.Answer) != tc.n {
			t.Errorf("%s %s: rcode %s, %d answers; want %s, %d", tc.name, dns.TypeToString[tc.qtype],
				dns.RcodeToString[r.Rcode], len(r.Answer), dns.RcodeToString[tc.rcode], tc.n)
		}
		negative := r.Rcode == dns.RcodeNameError || (r.Rcode == dns.RcodeSuccess && tc.n == 0)
		if negative && (len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA) {
			t.Errorf("%s: negative answer without the SOA: %v", tc.name, r.Ns)
		}
	}
}

func TestBuildRouterNamesOnlyWhileTheRouterRuns(t *testing.T) {
	c := Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()}
	if r := build(t, c).Lookup("_mysql._tcp.router."+base, dns.TypeSRV); r.Rcode != dns.RcodeNameError {
		t.Fatalf("router name without a router: %s", dns.RcodeToString[r.Rcode])
	}
	c.Router = &Router{RW: Service{Host: "mycluster.default.svc.cluster.local", Port: 3306, XPort: 33060},
		RO: Service{Host: "mycluster-ro.default.svc.cluster.local", Port: 3306, XPort: 33060}}
	z := build(t, c)
	for name, want := range map[string]string{
		"_mysql._tcp.router.":     "0 100 3306 mycluster.default.svc.cluster.local.",
		"_mysqlx._tcp.router.":    "0 100 33060 mycluster.default.svc.cluster.local.",
		"_mysql._tcp.router-ro.":  "0 100 3306 mycluster-ro.default.svc.cluster.local.",
		"_mysqlx._tcp.router-ro.": "0 100 33060 mycluster-ro.default.svc.cluster.local.",
	} {
		if got := strings.Join(srvs(z, name+base), ","); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

func TestBuildApexAndAdditional(t *testing.T) {
	z := build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()})
	soa := z.Lookup("mysql.orca.internal.", dns.TypeSOA).Answer[0].(*dns.SOA)
	if soa.Serial != 1 || soa.Minttl != 1 || soa.Ns != "ns.mysql.orca.internal." {
		t.Errorf("SOA %v", soa)
	}
	if r := z.Lookup("mysql.orca.internal.", dns.TypeANY); len(r.Answer) != 1 || r.Answer[0] != dns.RR(soa) {
		t.Errorf("ANY at the apex is not one SOA (RFC 8482): %v", r.Answer)
	}
	r := z.Lookup("_mysql._tcp.primary."+base, dns.TypeSRV)
	if len(r.Extra) != 1 || r.Extra[0].(*dns.A).A.String() != "10.0.0.1" {
		t.Errorf("additional of the primary's SRV: %v", r.Extra)
	}
	v6 := threeMembers()
	v6[1].IP = netip.MustParseAddr("fd00::1")
	z = build(t, Cluster{Name: "mycluster", Namespace: "default", Members: v6})
	if r := z.Lookup("mycluster-0."+base, dns.TypeAAAA); len(r.Answer) != 1 {
		t.Errorf("IPv6 member has no AAAA: %v", r)
	}
}

func TestBuildSkipsInvalidInput(t *testing.T) {
	ms := append(threeMembers(), member("mycluster-0", RoleSecondary, StateOnline, "10.0.0.9"),
		member("bad.name", RoleSecondary, StateOnline, "10.0.0.8"))
	z := build(t, Cluster{Name: "mycluster", Namespace: "default", Members: ms},
		Cluster{Name: "mycluster", Namespace: "default"}, Cluster{Name: "a b", Namespace: "default"},
		Cluster{Name: "x", Namespace: strings.Repeat("n", 64)})
	if len(z.Skipped()) != 5 {
		t.Errorf("skipped %q, want 5 entries", z.Skipped())
	}
	if got := len(srvs(z, "_mysql._tcp."+base)); got != 3 {
		t.Errorf("%d members listed, want 3", got)
	}
	if _, err := Build(ZoneConfig{Zone: "bad..zone"}, nil); err == nil {
		t.Error("an invalid zone was accepted")
	}
}

func TestSameRecordsIgnoresTheSerial(t *testing.T) {
	c := Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()}
	a := build(t, c)
	b, _ := Build(ZoneConfig{Serial: 9}, []Cluster{c})
	if !a.SameRecords(b) {
		t.Error("same input, different serial: not the same records")
	}
	c.Members[0].State = "RECOVERING"
	if a.SameRecords(build(t, c)) {
		t.Error("a member left the records, yet SameRecords")
	}
}
