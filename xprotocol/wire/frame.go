package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrameSize is the largest frame accepted when no limit is configured; it matches MySQL's
// default mysqlx_max_allowed_packet (64 MiB).
const DefaultMaxFrameSize = 64 << 20

// frameHeaderSize is the 4-byte little-endian length plus the 1-byte message type.
const frameHeaderSize = 5

// growStep bounds how far the payload buffer grows ahead of bytes actually received, so a hostile
// length prefix costs at most what the peer really sends.
const growStep = 1 << 20

var (
	// ErrFrameTooLarge is returned when a frame's length prefix exceeds the configured maximum.
	ErrFrameTooLarge = errors.New("xprotocol: frame exceeds maximum size")
	// ErrEmptyFrame is returned for a length prefix of 0 (no room for the type byte).
	ErrEmptyFrame = errors.New("xprotocol: frame without message type")
)

// FrameReader reads X Protocol frames. The payload returned by ReadFrame aliases an internal buffer that
// is reused by the next call, so steady-state reading does not allocate.
type FrameReader struct {
	r   *bufio.Reader
	max int
	buf []byte
	hdr [frameHeaderSize]byte
}

// NewFrameReader returns a reader that rejects frames larger than maxFrame bytes (length prefix value);
// maxFrame <= 0 means DefaultMaxFrameSize.
func NewFrameReader(r io.Reader, maxFrame int) *FrameReader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrameSize
	}
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 16<<10 {
		br = bufio.NewReaderSize(r, 32<<10)
	}
	return &FrameReader{r: br, max: maxFrame}
}

// Max is the largest length prefix the reader accepts.
func (fr *FrameReader) Max() int { return fr.max }

// Buffered reports how many bytes are already read from the connection but not yet returned as frames.
func (fr *FrameReader) Buffered() int { return fr.r.Buffered() }

// ReadFrame returns the next frame's message type and payload. A truncated frame returns
// io.ErrUnexpectedEOF; a clean end between frames returns io.EOF.
func (fr *FrameReader) ReadFrame() (uint8, []byte, error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:4]); err != nil {
		return 0, nil, err
	}
	n := binary.LittleEndian.Uint32(fr.hdr[:4])
	if n == 0 {
		return 0, nil, ErrEmptyFrame
	}
	if uint64(n) > uint64(fr.max) {
		return 0, nil, fmt.Errorf("%w: %d > %d bytes", ErrFrameTooLarge, n, fr.max)
	}
	typ, err := fr.r.ReadByte()
	if err != nil {
		return 0, nil, unexpected(err)
	}
	payload, err := fr.readPayload(int(n) - 1)
	if err != nil {
		return 0, nil, err
	}
	return typ, payload, nil
}

func (fr *FrameReader) readPayload(n int) ([]byte, error) {
	if n <= cap(fr.buf) {
		fr.buf = fr.buf[:n]
		if _, err := io.ReadFull(fr.r, fr.buf); err != nil {
			return nil, unexpected(err)
		}
		return fr.buf, nil
	}
	// Grow in steps while reading so memory follows received bytes, not the claimed length.
	buf := fr.buf[:0]
	for len(buf) < n {
		step := min(n-len(buf), max(growStep, len(buf)))
		if cap(buf)-len(buf) < step {
			nb := make([]byte, len(buf), len(buf)+step)
			copy(nb, buf)
			buf = nb
		}
		start := len(buf)
		buf = buf[:start+step]
		if _, err := io.ReadFull(fr.r, buf[start:]); err != nil {
			return nil, unexpected(err)
		}
	}
	fr.buf = buf
	return buf, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Message is a value that can be framed: its message type (client->server and server->client types
// share numbers, so the type says which direction it belongs to) and its protobuf payload.
type Message interface {
	MessageType() uint8
	AppendPayload(b []byte) []byte
}

// AppendFrame appends m as one complete frame (length, type, payload) to dst.
func AppendFrame(dst []byte, m Message) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, m.MessageType())
	dst = m.AppendPayload(dst)
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// AppendRawFrame appends a frame with the given type and already-encoded payload.
func AppendRawFrame(dst []byte, typ uint8, payload []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)+1))
	dst = append(dst, typ)
	return append(dst, payload...)
}
