package dnssrv

import "encoding/binary"

// Header bits the fast path reads or copies.
const (
	headerLen  = 12
	maxNameLen = 255
	flagQR     = 0x80 // byte 2
	flagRD     = 0x01 // byte 2
	flagTC     = 0x02 // byte 2
	flagCD     = 0x10 // byte 3
	optDO      = 0x80 // first byte of the OPT record's flags
	typeOPT    = 41
	classIN    = 1
)

// query is what the fast path needs from a standard query; the name is lower-cased into key.
type query struct {
	nameEnd  int    // offset just past the question's name
	qtype    uint16 //
	edns     bool   // an OPT record came with it
	udpSize  int    // the client's EDNS buffer size
	do       bool   // DNSSEC OK
	keyLen   int    // bytes of key in use: lower-cased wire name then qtype
	key      [maxNameLen + 2]byte
	badShape bool // not a plain QUERY the fast path answers: hand it to the slow path
}

// parseQuery reads msg as one plain question (opcode QUERY, class IN, no compression) with at most an OPT
// record; anything else sets badShape and the slow path decides (FORMERR, NOTIMP, BADVERS, a transfer).
func parseQuery(msg []byte, q *query) {
	q.badShape = true
	if len(msg) < headerLen+5 || msg[2]&0xfa != 0 || msg[3]&0x0f != 0 { // QR, opcode, TC, rcode
		return
	}
	if be16(msg[4:]) != 1 || be16(msg[6:]) != 0 || be16(msg[8:]) != 0 || be16(msg[10:]) > 1 {
		return
	}
	off, ok := q.readName(msg)
	if !ok || off+4 > len(msg) || be16(msg[off+2:]) != classIN {
		return
	}
	q.nameEnd, q.qtype = off, be16(msg[off:])
	binary.BigEndian.PutUint16(q.key[q.keyLen:], q.qtype)
	q.keyLen += 2
	off += 4
	if be16(msg[10:]) == 1 {
		if off = q.readOPT(msg, off); off < 0 {
			return
		}
	}
	q.badShape = off != len(msg)
}

// readName copies the uncompressed question name, lower-cased, into key and returns the offset after it.
func (q *query) readName(msg []byte) (int, bool) {
	off, n := headerLen, 0
	for off < len(msg) {
		l := int(msg[off])
		if l == 0 {
			q.key[n] = 0
			q.keyLen = n + 1
			return off + 1, true
		}
		if l > 63 || off+1+l > len(msg) || n+1+l+1 > maxNameLen {
			return 0, false // a pointer, a reserved label type, or too long
		}
		q.key[n] = byte(l)
		for i := 1; i <= l; i++ {
			c := msg[off+i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			q.key[n+i] = c
		}
		n += 1 + l
		off += 1 + l
	}
	return 0, false
}

// readOPT reads an OPT record with an empty owner and EDNS version 0; -1 for anything else.
func (q *query) readOPT(msg []byte, off int) int {
	if off+11 > len(msg) || msg[off] != 0 || be16(msg[off+1:]) != typeOPT || msg[off+6] != 0 {
		return -1
	}
	q.edns, q.udpSize, q.do = true, int(be16(msg[off+3:])), msg[off+7]&optDO != 0
	end := off + 11 + int(be16(msg[off+9:]))
	if end > len(msg) || !optionsFit(msg[off+11:end]) {
		return -1 // the slow path decides: FORMERR for a malformed record, an answer for an option it parses
	}
	return end
}

// optionsFit reports whether rdata is a whole sequence of EDNS options (code, length, data; RFC 6891 6.1.2)
// the fast path may pass over: COOKIE and PADDING, what stub resolvers send. Any other option goes to the slow
// path, whose parser checks each option's own shape (an LLQ option of 8 bytes is FORMERR there), so the two
// paths never answer one query differently.
func optionsFit(rdata []byte) bool {
	for len(rdata) > 0 {
		if len(rdata) < 4 || 4+int(be16(rdata[2:])) > len(rdata) {
			return false
		}
		if code := be16(rdata); code != optCookie && code != optPadding {
			return false
		}
		rdata = rdata[4+int(be16(rdata[2:])):]
	}
	return true
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }

// The EDNS option codes the fast path passes over (RFC 7873, RFC 7830).
const (
	optCookie  = 10
	optPadding = 12
)
