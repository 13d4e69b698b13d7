package binlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// EventType is the type byte of a v4 event header.
type EventType byte

// The event types this package looks into; every other type is carried raw.
const (
	QueryEvent             EventType = 2
	StopEvent              EventType = 3
	RotateEvent            EventType = 4
	FormatDescriptionEvent EventType = 15
	XIDEvent               EventType = 16
	IncidentEvent          EventType = 26
	HeartbeatEvent         EventType = 27
	MySQLGTIDEvent         EventType = 33
	AnonymousGTIDEvent     EventType = 34
	PreviousGTIDsEvent     EventType = 35
	XAPrepareEvent         EventType = 38
	MySQLTaggedGTIDEvent   EventType = 42
	AnnotateRowsEvent      EventType = 160
	BinlogCheckpointEvent  EventType = 161
	MariaDBGTIDEvent       EventType = 162
	GTIDListEvent          EventType = 163
)

// HeaderLen is the size of a v4 event header.
const HeaderLen = 19

// checksumLen is the size of the CRC32 that ends every event when the binary log is checksummed.
const checksumLen = 4

// MaxEventSize bounds an event (the server's max_allowed_packet is at most 1 GiB).
const MaxEventSize = 1 << 30

// Header flags.
const (
	// flagInUse marks a format description event of a binary log still open for writing.
	flagInUse uint16 = 0x0001
	// FlagArtificial marks an event the dump thread made up (a rotate to the file it starts in), never logged.
	FlagArtificial uint16 = 0x0020
)

// ErrMalformed is wrapped by every error about bytes that are not a well-formed event.
var ErrMalformed = errors.New("malformed binlog event")

// ErrChecksum is returned for an event whose CRC32 does not match its bytes.
var ErrChecksum = errors.New("binlog event checksum mismatch")

// Header is the v4 event header.
type Header struct {
	// Timestamp is when the statement started, in seconds since the epoch.
	Timestamp uint32
	Type      EventType
	ServerID  uint32
	// Size is the whole event's size, header and checksum included.
	Size uint32
	// LogPos is the position of the next event in the source's binary log file (0 for artificial events).
	LogPos uint32
	Flags  uint16
}

// Event is one raw event and its header. Raw holds the whole event, header and checksum included.
type Event struct {
	Header
	Raw []byte
}

// ParseHeader reads a v4 header from b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("%w: %d bytes, a header has %d", ErrMalformed, len(b), HeaderLen)
	}
	h := Header{
		Timestamp: binary.LittleEndian.Uint32(b[0:]),
		Type:      EventType(b[4]),
		ServerID:  binary.LittleEndian.Uint32(b[5:]),
		Size:      binary.LittleEndian.Uint32(b[9:]),
		LogPos:    binary.LittleEndian.Uint32(b[13:]),
		Flags:     binary.LittleEndian.Uint16(b[17:]),
	}
	if h.Size < HeaderLen || h.Size > MaxEventSize {
		return Header{}, fmt.Errorf("%w: event size %d", ErrMalformed, h.Size)
	}
	return h, nil
}

// ParseEvent checks that b is exactly one event (its header's size) and, when checksummed, that its CRC32
// matches.
func ParseEvent(b []byte, checksummed bool) (Event, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return Event{}, err
	}
	if int(h.Size) != len(b) {
		return Event{}, fmt.Errorf("%w: header says %d bytes, event has %d", ErrMalformed, h.Size, len(b))
	}
	// A format description event says itself whether events are checksummed: it is checked by its own rule.
	if h.Type == FormatDescriptionEvent {
		if _, err := parseFormat(b); err != nil {
			return Event{}, err
		}
	} else if checksummed {
		if err := verifyChecksum(b); err != nil {
			return Event{}, err
		}
	}
	return Event{Header: h, Raw: b}, nil
}

func verifyChecksum(b []byte) error {
	if len(b) < HeaderLen+checksumLen {
		return fmt.Errorf("%w: %d bytes cannot hold a checksum", ErrMalformed, len(b))
	}
	n := len(b) - checksumLen
	if crc32.ChecksumIEEE(b[:n]) != binary.LittleEndian.Uint32(b[n:]) {
		return fmt.Errorf("%w: %s at position %d", ErrChecksum, EventType(b[4]), binary.LittleEndian.Uint32(b[13:]))
	}
	return nil
}

// setChecksum rewrites the trailing CRC32 of b after its bytes changed.
func setChecksum(b []byte) {
	n := len(b) - checksumLen
	binary.LittleEndian.PutUint32(b[n:], crc32.ChecksumIEEE(b[:n]))
}

// body returns the event's bytes after the header and before the checksum.
func body(b []byte, checksummed bool) ([]byte, error) {
	end := len(b)
	if checksummed {
		end -= checksumLen
	}
	if end < HeaderLen {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	return b[HeaderLen:end], nil
}

func (t EventType) String() string {
	switch t {
	case QueryEvent:
		return "Query"
	case RotateEvent:
		return "Rotate"
	case FormatDescriptionEvent:
		return "Format_desc"
	case XIDEvent:
		return "Xid"
	case MySQLGTIDEvent, MariaDBGTIDEvent:
		return "Gtid"
	case GTIDListEvent:
		return "Gtid_list"
	case HeartbeatEvent:
		return "Heartbeat"
	}
	return fmt.Sprintf("event type %d", byte(t))
}
