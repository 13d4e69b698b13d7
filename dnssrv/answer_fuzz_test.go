package dnssrv

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// FuzzAnswer feeds arbitrary bytes to the query handler: it never panics, answers only with a well-formed
// response carrying the query's ID that fits a UDP client, and the packed path agrees with the slow path.
func FuzzAnswer(f *testing.F) {
	for _, seed := range answerSeeds() {
		f.Add(seed)
	}
	s := &Server{}
	if err := s.SetZone(build(f, bigCluster(12))); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		for _, udp := range []bool{true, false} {
			out := s.Answer(nil, msg, udp)
			if out == nil {
				continue
			}
			if out[0] != msg[0] || out[1] != msg[1] || out[2]&flagQR == 0 {
				t.Fatalf("answer %x to %x: not a response with the query's ID", out, msg)
			}
			if udp && len(out) > 1232 {
				t.Fatalf("UDP answer of %d bytes", len(out))
			}
			var r dns.Msg
			if err := r.Unpack(out); err != nil && len(out) > headerLen {
				t.Fatalf("answer does not unpack: %v (%x)", err, out)
			}
		}
		agree(t, s, msg)
	})
}

// agree checks the packed answer against the slow path's for the same query (truncation aside).
func agree(t *testing.T, s *Server, msg []byte) {
	q := new(query)
	if parseQuery(msg, q); q.badShape {
		return
	}
	p := s.zone.Load()
	fast := p.answer(nil, msg, q, false)
	if fast == nil {
		return
	}
	var a, b dns.Msg
	if err := a.Unpack(fast); err != nil {
		t.Fatalf("packed answer does not unpack: %v", err)
	}
	if err := b.Unpack(s.slowAnswer(p, msg, false)); err != nil {
		t.Fatalf("slow answer does not unpack: %v", err)
	}
	if a.Rcode != b.Rcode || len(a.Answer) != len(b.Answer) || len(a.Ns) != len(b.Ns) ||
		len(a.Extra) != len(b.Extra) || a.Question[0] != b.Question[0] || a.MsgHdr != b.MsgHdr {
		t.Fatalf("packed and slow paths disagree:\n%v\n%v", &a, &b)
	}
}

func answerSeeds() [][]byte {
	pack := func(m *dns.Msg) []byte { b, _ := m.Pack(); return b }
	srv := new(dns.Msg).SetQuestion("_mysql._tcp.mycluster.default.mysql.orca.internal.", dns.TypeSRV)
	edns := srv.Copy().SetEdns0(4096, true)
	ch := new(dns.Msg).SetQuestion("version.bind.", dns.TypeTXT)
	ch.Question[0].Qclass = dns.ClassCHAOS
	huge := new(dns.Msg).SetQuestion(strings.Repeat("a.", 126)+".", dns.TypeA)
	axfr := new(dns.Msg).SetAxfr("mysql.orca.internal.")
	axfr.SetTsig("xfr.", dns.HmacSHA256, 300, 0)
	return [][]byte{pack(srv), pack(edns), pack(ch), pack(huge), pack(axfr),
		{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1},                             // a compression loop
		{0, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 6, 0, 1, 0, 0, 41, 16, 0, 1, 0, 0, 0, 0, 0}, // EDNS version 1
	}
}
