package dnssrv

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// transferChunk is how many records one AXFR message carries.
const transferChunk = 100

// slowAnswer answers what the packed path does not: NXDOMAIN, REFUSED, compressed or odd questions, other
// opcodes and classes, EDNS versions, malformed messages. Responses (QR set) and runts get no answer.
func (s *Server) slowAnswer(p *packedZone, msg []byte, udp bool) []byte {
	if len(msg) < headerLen || msg[2]&flagQR != 0 {
		return nil
	}
	req := new(dns.Msg)
	if err := req.Unpack(msg); err != nil {
		return formErr(msg)
	}
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.RecursionDesired, resp.CheckingDisabled = req.RecursionDesired, req.CheckingDisabled
	opt := req.IsEdns0()
	s.decide(p, req, resp, udp)
	if opt != nil {
		resp.SetEdns0(uint16(max(s.udpSize(), 512)), opt.Do())
	}
	if udp {
		resp.Truncate(udpLimit(opt, s.udpSize()))
	}
	out, err := resp.Pack()
	if err != nil {
		return formErr(msg)
	}
	return out
}

// decide fills resp's rcode and sections for req.
func (s *Server) decide(p *packedZone, req, resp *dns.Msg, udp bool) {
	opt := req.IsEdns0()
	switch {
	case req.Opcode != dns.OpcodeQuery:
		resp.Rcode = dns.RcodeNotImplemented
	case len(req.Question) != 1 || len(req.Answer) > 0:
		resp.Rcode = dns.RcodeFormatError
	case opt != nil && opt.Version() != 0:
		resp.Rcode = dns.RcodeBadVers
	case p == nil:
		resp.Rcode = dns.RcodeServerFailure // no zone yet
	case req.Question[0].Qclass != dns.ClassINET:
		resp.Rcode = dns.RcodeRefused
	case isXFR(req.Question[0].Qtype):
		resp.Rcode = dns.RcodeRefused // over UDP, or unsigned: ServeTCP handles the allowed ones
	default:
		r := p.zone.Lookup(req.Question[0].Name, req.Question[0].Qtype)
		resp.Rcode, resp.Answer, resp.Ns, resp.Extra = r.Rcode, r.Answer, r.Ns, r.Extra
		resp.Authoritative = r.Rcode != dns.RcodeRefused
	}
}

func isXFR(t uint16) bool { return t == dns.TypeAXFR || t == dns.TypeIXFR }

func udpLimit(opt *dns.OPT, ours int) int {
	if opt == nil {
		return dns.MinMsgSize
	}
	return min(max(int(opt.UDPSize()), dns.MinMsgSize), max(ours, dns.MinMsgSize))
}

// formErr is the header-only FORMERR of a message that does not unpack.
func formErr(msg []byte) []byte {
	out := make([]byte, headerLen)
	copy(out, msg[:4])
	out[2] = flagQR | msg[2]&0x79 // QR, the opcode and RD
	out[3] = dns.RcodeFormatError
	return out
}

// transfer sends the zone to an AXFR/IXFR signed with an allowed key (IXFR gets the whole zone, RFC 1995
// 4), each message signed in turn (RFC 8945 5.3.1); anything else gets REFUSED or NOTAUTH.
func (s *Server) transfer(c net.Conn, msg []byte) error {
	req := new(dns.Msg)
	if err := req.Unpack(msg); err != nil {
		return writeMsg(c, formErr(msg))
	}
	p := s.zone.Load()
	t := req.IsTsig()
	secret, known := "", false
	if t != nil {
		secret, known = s.TransferKeys[strings.ToLower(t.Hdr.Name)]
	}
	if p == nil || t == nil || !known || !strings.EqualFold(t.Algorithm, dns.HmacSHA256) {
		return s.refuseTransfer(c, req, dns.RcodeRefused)
	}
	if err := dns.TsigVerify(msg, secret, "", false); err != nil {
		return s.refuseTransfer(c, req, dns.RcodeNotAuth)
	}
	records := append(p.zone.Records(), p.zone.soa)
	mac := t.MAC
	for i := 0; i < len(records); i += transferChunk {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative, m.Compress = true, true
		m.Answer = records[i:min(i+transferChunk, len(records))]
		m.SetTsig(t.Hdr.Name, dns.HmacSHA256, 300, time.Now().Unix())
		out, next, err := dns.TsigGenerate(m, secret, mac, i > 0)
		if err != nil {
			return fmt.Errorf("sign transfer message: %w", err)
		}
		if err := writeMsg(c, out); err != nil {
			return fmt.Errorf("send transfer message: %w", err)
		}
		mac = next
	}
	return nil
}

func (s *Server) refuseTransfer(c net.Conn, req *dns.Msg, rcode int) error {
	resp := new(dns.Msg)
	resp.SetRcode(req, rcode)
	out, err := resp.Pack()
	if err != nil {
		return fmt.Errorf("pack transfer refusal: %w", err)
	}
	return writeMsg(c, out)
}
