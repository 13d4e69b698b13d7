package dnssrv

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// SRV services of the member names.
var services = [...]struct {
	prefix string
	x      bool
}{{"_mysql._tcp.", false}, {"_mysqlx._tcp.", true}}

// Build computes the zone snapshot from the clusters' observations. It never fails on cluster input: an
// invalid name or a duplicate is left out and listed in Zone.Skipped. It fails only on an invalid zone.
func Build(cfg ZoneConfig, clusters []Cluster) (*Zone, error) {
	origin, err := canonicalZone(orDefaultString(cfg.Zone, DefaultZone))
	if err != nil {
		return nil, err
	}
	b := &builder{cfg: cfg, z: &Zone{origin: origin, serial: orDefault(cfg.Serial, 1), nodes: map[string]*node{}}}
	b.apex()
	seen := map[string]bool{}
	for i := range clusters {
		b.cluster(&clusters[i], seen)
	}
	b.z.digest = digest(b.z)
	return b.z, nil
}

type builder struct {
	cfg ZoneConfig
	z   *Zone
}

func canonicalZone(zone string) (string, error) {
	origin := strings.ToLower(dns.Fqdn(zone))
	if _, ok := dns.IsDomainName(origin); !ok || origin == "." || len(origin) > 200 {
		return "", fmt.Errorf("invalid DNS zone %q", zone)
	}
	return origin, nil
}

func (b *builder) apex() {
	origin := b.z.origin
	ns := strings.ToLower(dns.Fqdn(orDefaultString(b.cfg.NSName, "ns."+origin)))
	b.z.soa = &dns.SOA{Hdr: b.hdr(origin, dns.TypeSOA, b.memberTTL()), Ns: ns, Mbox: "hostmaster." + origin,
		Serial: b.z.serial, Refresh: 60, Retry: 10, Expire: 3600, Minttl: b.roleTTL()}
	b.add(b.z.soa)
	b.add(&dns.NS{Hdr: b.hdr(origin, dns.TypeNS, b.memberTTL()), Ns: ns})
	if !dns.IsSubDomain(origin, ns) {
		return
	}
	b.ensure(ns)
	for _, ip := range b.cfg.NSAddrs {
		b.add(b.address(ns, ip))
	}
}

// cluster adds one cluster's names, or skips it when its names are not DNS labels or it came already.
func (b *builder) cluster(c *Cluster, seen map[string]bool) {
	if !validLabel(c.Name) || !validLabel(c.Namespace) {
		b.skip("cluster %q in namespace %q: not DNS labels", c.Name, c.Namespace)
		return
	}
	base := strings.ToLower(c.Name + "." + c.Namespace + "." + b.z.origin)
	if seen[base] || len(base) > 180 {
		b.skip("cluster %s: duplicate or too long", base)
		return
	}
	seen[base] = true
	members := b.listed(c, base)
	for _, s := range services {
		b.memberSRV(s.prefix+base, members, s.x, rolePriority)
		b.memberSRV(s.prefix+"primary."+base, members, s.x, primaryOnly)
		b.memberSRV(s.prefix+"replicas."+base, members, s.x, replicasFirst)
	}
	if c.Router != nil {
		b.routerSRV("router."+base, c.Router.RW)
		b.routerSRV("router-ro."+base, c.Router.RO)
	}
}

// srvMember is a listed member with its target name and weight.
type srvMember struct {
	Member
	target string
	weight uint16
}

// listed returns the members that go in the records, sorted by pod name, and adds their address records.
func (b *builder) listed(c *Cluster, base string) []srvMember {
	var out []srvMember
	pods := map[string]bool{}
	for _, m := range c.Members {
		if !validLabel(m.Pod) || pods[strings.ToLower(m.Pod)] {
			b.skip("member %q of %s: invalid or duplicate pod name", m.Pod, base)
			continue
		}
		pods[strings.ToLower(m.Pod)] = true
		if m.listed() {
			out = append(out, srvMember{Member: m, target: strings.ToLower(m.Pod) + "." + base, weight: c.weight(m)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].target < out[j].target })
	for _, m := range out {
		b.add(b.address(m.target, m.IP))
	}
	return out
}

// A priority function returns a member's SRV priority on a name, false when the name leaves it out.
type priorityFunc func(m Member) (uint16, bool)

func rolePriority(m Member) (uint16, bool) {
	if m.Role == RolePrimary {
		return PriorityPrimary, true
	}
	return PrioritySecondary, true
}

func primaryOnly(m Member) (uint16, bool) { return PriorityPrimary, m.Role == RolePrimary }

func replicasFirst(m Member) (uint16, bool) {
	if m.Role == RolePrimary {
		return PriorityReplicasPrimary, true
	}
	return PrioritySecondary, true
}

// memberSRV adds name's SRV records, lowest priority first; the name exists (NODATA) even with none.
func (b *builder) memberSRV(name string, members []srvMember, x bool, prio priorityFunc) {
	b.ensure(name)
	var rrs []*dns.SRV
	for _, m := range members {
		p, ok := prio(m.Member)
		if !ok {
			continue
		}
		port, xport := m.ports()
		if x {
			port = xport
		}
		rrs = append(rrs, &dns.SRV{Hdr: b.hdr(name, dns.TypeSRV, b.roleTTL()), Priority: p, Weight: m.weight,
			Port: port, Target: m.target})
	}
	sort.SliceStable(rrs, func(i, j int) bool { return rrs[i].Priority < rrs[j].Priority })
	for _, rr := range rrs {
		b.add(rr)
	}
}

// routerSRV adds the router names under base (router.<c> or router-ro.<c>) pointing at the Service.
func (b *builder) routerSRV(base string, svc Service) {
	target := strings.ToLower(dns.Fqdn(svc.Host))
	if _, ok := dns.IsDomainName(target); !ok || svc.Host == "" || len(target) > 200 {
		b.skip("router service %q for %s: invalid host name", svc.Host, base)
		return
	}
	for _, s := range services {
		port := orDefault(svc.Port, defaultClassicPort)
		if s.x {
			port = orDefault(svc.XPort, defaultXPort)
		}
		b.add(&dns.SRV{Hdr: b.hdr(s.prefix+base, dns.TypeSRV, b.roleTTL()), Priority: PriorityPrimary,
			Weight: DefaultWeight, Port: port, Target: target})
	}
}

func (b *builder) address(name string, ip netip.Addr) dns.RR {
	if ip.Is4() || ip.Is4In6() {
		return &dns.A{Hdr: b.hdr(name, dns.TypeA, b.memberTTL()), A: ip.Unmap().AsSlice()}
	}
	return &dns.AAAA{Hdr: b.hdr(name, dns.TypeAAAA, b.memberTTL()), AAAA: ip.AsSlice()}
}

func (b *builder) hdr(name string, t uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: ttl}
}

func (b *builder) roleTTL() uint32   { return seconds(orDefault(b.cfg.RoleTTL, DefaultRoleTTL)) }
func (b *builder) memberTTL() uint32 { return seconds(orDefault(b.cfg.MemberTTL, DefaultMemberTTL)) }

func seconds(d time.Duration) uint32 { return uint32(max(d/time.Second, 0)) }

// add appends rr to its owner's node, creating the node and its empty ancestors.
func (b *builder) add(rr dns.RR) {
	n := b.ensure(rr.Header().Name)
	t := rr.Header().Rrtype
	if _, ok := n.sets[t]; !ok {
		n.types = append(n.types, t)
	}
	n.sets[t] = append(n.sets[t], rr)
}

// ensure makes name and every name between it and the apex exist (empty non-terminals answer NODATA).
func (b *builder) ensure(name string) *node {
	if n, ok := b.z.nodes[name]; ok {
		return n
	}
	n := &node{sets: map[uint16][]dns.RR{}}
	if name != b.z.origin {
		if i := strings.IndexByte(name, '.'); i >= 0 {
			b.ensure(name[i+1:])
		}
	}
	b.z.nodes[name] = n
	b.z.order = append(b.z.order, name)
	return n
}

func (b *builder) skip(format string, args ...any) {
	b.z.skipped = append(b.z.skipped, fmt.Sprintf(format, args...))
}

// validLabel accepts what Kubernetes accepts for names (RFC 1123 labels), in either case.
func validLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if (c < 'a' || c > 'z') && (s[i] < '0' || s[i] > '9') && s[i] != '-' {
			return false
		}
	}
	return true
}

func digest(z *Zone) string {
	var sb strings.Builder
	for _, rr := range z.Records()[1:] {
		sb.WriteString(rr.String())
		sb.WriteByte('\n')
	}
	return sb.String()
}

func orDefaultString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
