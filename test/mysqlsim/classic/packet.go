package classic

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// maxChunk is the largest payload one wire packet carries; longer payloads continue in the next packet.
const maxChunk = 1<<24 - 1

// Errors of the packet layer. Both end the connection, as they do in mysqld.
var (
	// ErrPacketTooLarge means a client sent a payload over the server's max packet size.
	ErrPacketTooLarge = errors.New("packet bigger than max_allowed_packet")
	// ErrPacketsOutOfOrder means a client packet carried an unexpected sequence id.
	ErrPacketsOutOfOrder = errors.New("packets out of order")
)

// packetIO reads and writes MySQL packets: a 3-byte little-endian length, a sequence id, then the payload.
// Payloads of 16 MiB - 1 bytes or more are split, and a split ending exactly on the boundary is closed by
// an empty packet. The sequence id runs on across reads and writes until reset at the start of a command.
type packetIO struct {
	r   *bufio.Reader
	w   *bufio.Writer
	seq uint8
	// max is the largest payload accepted from the peer, after reassembly.
	max int
}

func newPacketIO(rw io.ReadWriter, maxPayload int) *packetIO {
	return &packetIO{r: bufio.NewReaderSize(rw, 16<<10), w: bufio.NewWriterSize(rw, 16<<10), max: maxPayload}
}

// reset swaps the transport (after a TLS upgrade) while keeping the sequence id. The old reader is left
// alone because the new transport may read through it; the writer must have been flushed.
func (p *packetIO) reset(rw io.ReadWriter) {
	p.r = bufio.NewReaderSize(rw, 16<<10)
	p.w.Reset(rw)
}

// readPacket reads one logical packet, joining split chunks.
func (p *packetIO) readPacket() ([]byte, error) {
	var payload []byte
	for {
		var hdr [4]byte
		if _, err := io.ReadFull(p.r, hdr[:]); err != nil {
			return nil, err
		}
		n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
		if hdr[3] != p.seq {
			want := p.seq
			p.seq = hdr[3] + 1 // so the ERR that follows carries the id the peer expects
			return nil, fmt.Errorf("%w: got sequence id %d, want %d", ErrPacketsOutOfOrder, hdr[3], want)
		}
		p.seq++
		if len(payload)+n > p.max {
			// Swallow this chunk so the client, done writing, reads our ERR rather than a reset.
			_, _ = io.CopyN(io.Discard, p.r, int64(n))
			return nil, fmt.Errorf("%w: more than %d bytes", ErrPacketTooLarge, p.max)
		}
		start := len(payload)
		payload = append(payload, make([]byte, n)...)
		if _, err := io.ReadFull(p.r, payload[start:]); err != nil {
			return nil, fmt.Errorf("read packet body: %w", err)
		}
		if n < maxChunk {
			return payload, nil
		}
	}
}

// writePacket buffers one logical packet, splitting it into chunks. Call flush to send.
func (p *packetIO) writePacket(payload []byte) error {
	for {
		n := min(len(payload), maxChunk)
		hdr := [4]byte{byte(n), byte(n >> 8), byte(n >> 16), p.seq}
		p.seq++
		if _, err := p.w.Write(hdr[:]); err != nil {
			return err
		}
		if _, err := p.w.Write(payload[:n]); err != nil {
			return err
		}
		payload = payload[n:]
		if n < maxChunk {
			return nil
		}
	}
}

// flush sends everything buffered.
func (p *packetIO) flush() error {
	return p.w.Flush()
}
