package dnssrv

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzBuild feeds arbitrary cluster data to the builder: it must never panic, every record must pack, only
// ONLINE majority members appear, and every in-zone SRV target resolves.
func FuzzBuild(f *testing.F) {
	f.Add("mycluster", "default", "mycluster-0|PRIMARY|ONLINE|1|10.0.0.1;mycluster-1|SECONDARY|ONLINE|1|10.0.0.2",
		int64(100), uint16(3306))
	f.Add("MyCluster", "ns", "a|SECONDARY|RECOVERING|1|fd00::1;a|PRIMARY|ONLINE|0|10.0.0.1", int64(-1), uint16(0))
	f.Add(strings.Repeat("x", 63), strings.Repeat("y", 63), strings.Repeat("z", 63)+"|PRIMARY|ONLINE|1|1.2.3.4",
		int64(0), uint16(65535))
	f.Fuzz(func(t *testing.T, name, namespace, members string, lag int64, port uint16) {
		c := Cluster{Name: name, Namespace: namespace, LagThreshold: lag, Members: parseMembers(members, port),
			Router: &Router{RW: Service{Host: name + ".svc"}, RO: Service{Host: namespace}}}
		z, err := Build(ZoneConfig{}, []Cluster{c})
		if err != nil {
			t.Fatal(err)
		}
		checkZone(t, z, c)
	})
}

func parseMembers(s string, port uint16) []Member {
	var out []Member
	for _, part := range strings.Split(s, ";") {
		f := strings.Split(part, "|")
		for len(f) < 5 {
			f = append(f, "")
		}
		ip, _ := netip.ParseAddr(f[4])
		out = append(out, Member{Pod: f[0], Role: f[1], State: f[2], InMajority: f[3] == "1", IP: ip,
			Port: port, ApplierQueue: int64(len(f[3]))})
	}
	return out
}

func checkZone(t *testing.T, z *Zone, c Cluster) {
	msg := new(dns.Msg)
	msg.Answer = z.Records()
	if _, err := msg.Pack(); err != nil {
		t.Fatalf("records do not pack: %v", err)
	}
	listed := map[string]bool{}
	for _, m := range c.Members {
		if m.listed() {
			listed[strings.ToLower(m.Pod)] = true
		}
	}
	for _, rr := range msg.Answer {
		if rr.Header().Name != strings.ToLower(rr.Header().Name) {
			t.Fatalf("owner not canonical: %s", rr)
		}
		srv, ok := rr.(*dns.SRV)
		if !ok || !z.InZone(srv.Target) {
			continue
		}
		if !listed[strings.SplitN(srv.Target, ".", 2)[0]] {
			t.Fatalf("%s lists a member that is not ONLINE in the majority", rr)
		}
		if r := z.Lookup(srv.Target, dns.TypeA); len(r.Answer) == 0 && len(z.RRset(srv.Target, dns.TypeAAAA)) == 0 {
			t.Fatalf("target of %s does not resolve", rr)
		}
	}
}
