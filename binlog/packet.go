package binlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// maxPacketPayload is the largest payload of one classic-protocol packet; a longer one continues in the next.
const maxPacketPayload = 1<<24 - 1

// packetConn frames classic-protocol packets over a connection whose handshake is done.
type packetConn struct {
	rw  io.ReadWriter
	seq byte
	// limit bounds a reassembled payload.
	limit int
}

// writeCommand sends a command packet, starting a new sequence.
func (p *packetConn) writeCommand(payload []byte) error {
	p.seq = 0
	return p.writePacket(payload)
}

// writePacket sends a payload with the sequence's next number (a reply within the handshake).
func (p *packetConn) writePacket(payload []byte) error {
	for {
		n := min(len(payload), maxPacketPayload)
		hdr := []byte{byte(n), byte(n >> 8), byte(n >> 16), p.seq}
		p.seq++
		if _, err := p.rw.Write(append(hdr, payload[:n]...)); err != nil {
			return fmt.Errorf("write command: %w", err)
		}
		payload = payload[n:]
		if n < maxPacketPayload {
			return nil
		}
	}
}

// readPacket returns one payload, joining the packets of a payload of 16 MiB or more.
func (p *packetConn) readPacket() ([]byte, error) {
	var out []byte
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(p.rw, hdr[:]); err != nil {
			return nil, fmt.Errorf("read packet header: %w", err)
		}
		n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
		if hdr[3] != p.seq {
			return nil, fmt.Errorf("%w: packet sequence %d, expected %d", ErrMalformed, hdr[3], p.seq)
		}
		p.seq++
		if len(out)+n > p.limit {
			return nil, fmt.Errorf("%w: packet of more than %d bytes", ErrMalformed, p.limit)
		}
		start := len(out)
		out = append(out, make([]byte, n)...)
		if _, err := io.ReadFull(p.rw, out[start:]); err != nil {
			return nil, fmt.Errorf("read packet: %w", err)
		}
		if n < maxPacketPayload {
			return out, nil
		}
	}
}

// ServerError is an ERR packet from the server.
type ServerError struct {
	Code    uint16
	State   string
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("server error %d (%s): %s", e.Code, e.State, e.Message)
}

// Server error codes the archive acts on.
const (
	// ErrCodeSourceFatalReadingBinlog (1236): the requested position or GTIDs are not in the source's binary logs
	// (purged), among others.
	ErrCodeSourceFatalReadingBinlog = 1236
)

// errEOF ends a dump that was asked not to block.
var errEOF = errors.New("end of the binary log")

// parseResponse interprets a reply's first byte: OK (0x00) returns the rest, EOF (0xFE) errEOF, ERR (0xFF) a
// *ServerError.
func parseResponse(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty packet", ErrMalformed)
	}
	switch b[0] {
	case 0x00:
		return b[1:], nil
	case 0xfe:
		if len(b) < 9 {
			return nil, errEOF
		}
	case 0xff:
		return nil, parseError(b)
	}
	return nil, fmt.Errorf("%w: unexpected packet 0x%02x", ErrMalformed, b[0])
}

func parseError(b []byte) error {
	if len(b) < 3 {
		return fmt.Errorf("%w: short error packet", ErrMalformed)
	}
	e := &ServerError{Code: binary.LittleEndian.Uint16(b[1:])}
	rest := b[3:]
	if len(rest) >= 6 && rest[0] == '#' {
		e.State, rest = string(rest[1:6]), rest[6:]
	}
	e.Message = string(rest)
	return e
}
