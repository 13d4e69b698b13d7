package dnssrv

import (
	"fmt"

	"github.com/miekg/dns"
)

// packedZone holds every positive answer and every NODATA of a Zone as wire bytes, keyed by the lower-cased
// wire name and qtype (names alone for NODATA): a steady-state query is a map lookup and a copy.
type packedZone struct {
	zone    *Zone
	answers map[string]*packedAnswer // wire name + qtype
	nodata  map[string]*packedAnswer // wire name: qtype patched in
	udpSize int
}

// packedAnswer is one response in its four shapes: without and with OPT, whole and truncated (TC, no
// records). Each is packed with ID 0 and the question's name in lower case.
type packedAnswer struct {
	plain, edns, plainTC, ednsTC []byte
}

func packZone(z *Zone, udpSize int) (*packedZone, error) {
	p := &packedZone{zone: z, answers: map[string]*packedAnswer{}, nodata: map[string]*packedAnswer{},
		udpSize: udpSize}
	for _, name := range z.order {
		if err := p.packName(name); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *packedZone) packName(name string) error {
	wire, err := wireName(name)
	if err != nil {
		return err
	}
	n := p.zone.nodes[name]
	for _, t := range append([]uint16{dns.TypeANY}, n.types...) {
		a, err := p.pack(name, t)
		if err != nil {
			return err
		}
		p.answers[wire+string([]byte{byte(t >> 8), byte(t)})] = a
	}
	// Any type the name lacks gets the same NODATA; dns.TypeNone is never a node's type.
	a, err := p.pack(name, dns.TypeNone)
	if err != nil {
		return err
	}
	p.nodata[wire] = a
	return nil
}

func (p *packedZone) pack(name string, qtype uint16) (*packedAnswer, error) {
	r := p.zone.Lookup(name, qtype)
	m := &dns.Msg{Compress: true, Question: []dns.Question{{Name: name, Qtype: qtype, Qclass: dns.ClassINET}},
		Answer: r.Answer, Ns: r.Ns, Extra: r.Extra}
	m.Response, m.Authoritative, m.Rcode = true, true, r.Rcode
	var a packedAnswer
	var err error
	if a.plain, err = packCopy(m, 0); err != nil {
		return nil, fmt.Errorf("pack %s %s: %w", name, dns.TypeToString[qtype], err)
	}
	a.edns, _ = packCopy(m, p.udpSize)
	m.Truncated, m.Answer, m.Ns, m.Extra = true, nil, nil, nil
	a.plainTC, _ = packCopy(m, 0)
	a.ednsTC, _ = packCopy(m, p.udpSize)
	return &a, nil
}

// packCopy packs m, with an OPT advertising udpSize when it is not zero, leaving m as it was.
func packCopy(m *dns.Msg, udpSize int) ([]byte, error) {
	c := m.Copy()
	if udpSize > 0 {
		c.SetEdns0(uint16(udpSize), false)
	}
	return c.Pack()
}

func wireName(name string) (string, error) {
	buf := make([]byte, maxNameLen+1)
	n, err := dns.PackDomainName(name, buf, 0, nil, false)
	if err != nil {
		return "", fmt.Errorf("pack name %s: %w", name, err)
	}
	return string(buf[:n]), nil
}

// answer writes the response to q into dst (reused, grown only when too small) and returns it, or nil when
// the slow path must answer. Over UDP a response larger than the client takes is sent truncated (TC).
func (p *packedZone) answer(dst, msg []byte, q *query, udp bool) []byte {
	if q.qtype == dns.TypeAXFR || q.qtype == dns.TypeIXFR {
		return nil
	}
	a, nodata := p.answers[string(q.key[:q.keyLen])], false
	if a == nil {
		if a = p.nodata[string(q.key[:q.keyLen-2])]; a == nil {
			return nil // NXDOMAIN, REFUSED and the rest
		}
		nodata = true
	}
	tmpl, limit := a.plain, 512
	if q.edns {
		tmpl, limit = a.edns, min(max(q.udpSize, 512), p.udpSize)
	}
	if udp && len(tmpl) > limit {
		tmpl = a.plainTC
		if q.edns {
			tmpl = a.ednsTC
		}
	}
	dst = append(dst[:0], tmpl...)
	dst[0], dst[1] = msg[0], msg[1]
	dst[2] |= msg[2] & flagRD
	dst[3] |= msg[3] & flagCD
	copy(dst[headerLen:q.nameEnd], msg[headerLen:q.nameEnd]) // the client's case (0x20)
	if nodata {
		dst[q.nameEnd], dst[q.nameEnd+1] = byte(q.qtype>>8), byte(q.qtype)
	}
	if q.edns && q.do {
		dst[len(dst)-11+7] |= optDO // RFC 3225: the DO bit is copied
	}
	return dst
}
