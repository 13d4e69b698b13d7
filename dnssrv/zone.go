package dnssrv

import (
	"strings"

	"github.com/miekg/dns"
)

// Zone is an immutable snapshot of the records. Its methods are safe for concurrent use; the records they
// return are shared and must not be modified.
type Zone struct {
	origin  string // canonical: lower case, fully qualified
	serial  uint32
	soa     *dns.SOA
	nodes   map[string]*node // every name that exists, empty non-terminals included
	order   []string         // names in insertion order, for Records
	digest  string           // the records without the SOA, to tell a change from a rebuild
	skipped []string
}

// node is one owner name's RRsets.
type node struct {
	types []uint16 // in insertion order: ANY answers the first
	sets  map[uint16][]dns.RR
}

// Result is the answer to one question.
type Result struct {
	// Rcode is dns.RcodeSuccess, dns.RcodeNameError (NXDOMAIN) or dns.RcodeRefused (outside the zone).
	Rcode int
	// Answer, Ns and Extra are the message's sections; a negative answer carries the SOA in Ns.
	Answer, Ns, Extra []dns.RR
}

// Origin is the zone's apex, fully qualified in lower case.
func (z *Zone) Origin() string { return z.origin }

// Serial is the SOA serial.
func (z *Zone) Serial() uint32 { return z.serial }

// Skipped lists the inputs the builder left out and why (invalid names, duplicates).
func (z *Zone) Skipped() []string { return z.skipped }

// SameRecords reports whether o holds the same records as z, the SOA serial aside.
func (z *Zone) SameRecords(o *Zone) bool {
	return z != nil && o != nil && z.origin == o.origin && z.digest == o.digest
}

// Records returns every record, the SOA first (an AXFR's order without the closing SOA).
func (z *Zone) Records() []dns.RR {
	out := []dns.RR{z.soa}
	for _, name := range z.order {
		n := z.nodes[name]
		for _, t := range n.types {
			if t != dns.TypeSOA {
				out = append(out, n.sets[t]...)
			}
		}
	}
	return out
}

// Names returns every owner name with records, in insertion order (apex first).
func (z *Zone) Names() []string {
	out := make([]string, 0, len(z.order))
	for _, name := range z.order {
		if len(z.nodes[name].types) > 0 {
			out = append(out, name)
		}
	}
	return out
}

// RRset returns the records of name and type t (name canonical), nil when none.
func (z *Zone) RRset(name string, t uint16) []dns.RR {
	if n, ok := z.nodes[name]; ok {
		return n.sets[t]
	}
	return nil
}

// InZone reports whether name (canonical) is the apex or below it.
func (z *Zone) InZone(name string) bool { return dns.IsSubDomain(z.origin, name) }

// Lookup answers qname (any case, fully qualified) for qtype: the RRset, NODATA (NOERROR and the SOA) when the
// name exists without that type, NXDOMAIN when it does not exist, REFUSED outside the zone. ANY gets one RRset
// (RFC 8482). SRV answers carry their in-zone targets' addresses as additional records.
func (z *Zone) Lookup(qname string, qtype uint16) Result {
	name := strings.ToLower(dns.Fqdn(qname))
	if !z.InZone(name) {
		return Result{Rcode: dns.RcodeRefused}
	}
	n, ok := z.nodes[name]
	if !ok {
		return Result{Rcode: dns.RcodeNameError, Ns: []dns.RR{z.soa}}
	}
	if qtype == dns.TypeANY && len(n.types) > 0 {
		qtype = n.types[0]
	}
	rrs := n.sets[qtype]
	if len(rrs) == 0 {
		return Result{Rcode: dns.RcodeSuccess, Ns: []dns.RR{z.soa}}
	}
	return Result{Rcode: dns.RcodeSuccess, Answer: rrs, Extra: z.additional(rrs)}
}

// additional is the address records of the in-zone SRV targets of rrs.
func (z *Zone) additional(rrs []dns.RR) []dns.RR {
	var out []dns.RR
	for _, rr := range rrs {
		srv, ok := rr.(*dns.SRV)
		if !ok {
			continue
		}
		if n, ok := z.nodes[srv.Target]; ok {
			out = append(out, n.sets[dns.TypeA]...)
			out = append(out, n.sets[dns.TypeAAAA]...)
		}
	}
	return out
}
