package binlog

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Format is what a format description event says about the events after it.
type Format struct {
	// ServerVersion is the source's version string (MariaDB's contains "MariaDB").
	ServerVersion string
	// Checksummed is true when every event ends with a CRC32 (binlog_checksum=CRC32).
	Checksummed bool
	// postHeader[t-1] is the post-header length of event type t.
	postHeader []byte
}

// checksum algorithms of a format description event.
const (
	checksumOff   = 0
	checksumCRC32 = 1
)

// fdeFixedLen is binlog_version (2) + server_version (50) + create_timestamp (4) + header_length (1).
const fdeFixedLen = 57

// ParseFormat decodes a format description event (its own checksum is checked when it says CRC32).
func ParseFormat(raw []byte) (Format, error) { return parseFormat(raw) }

func parseFormat(raw []byte) (Format, error) {
	if len(raw) < HeaderLen+fdeFixedLen+1+checksumLen {
		return Format{}, fmt.Errorf("%w: format description of %d bytes", ErrMalformed, len(raw))
	}
	b := raw[HeaderLen:]
	if v := binary.LittleEndian.Uint16(b); v != 4 {
		return Format{}, fmt.Errorf("%w: binlog version %d, only 4 is read", ErrMalformed, v)
	}
	if b[56] != HeaderLen {
		return Format{}, fmt.Errorf("%w: header length %d", ErrMalformed, b[56])
	}
	alg := raw[len(raw)-checksumLen-1]
	if alg != checksumOff && alg != checksumCRC32 {
		return Format{}, fmt.Errorf("%w: checksum algorithm %d", ErrMalformed, alg)
	}
	f := Format{ServerVersion: string(bytes.TrimRight(b[2:52], "\x00")), Checksummed: alg == checksumCRC32,
		postHeader: bytes.Clone(b[fdeFixedLen : len(b)-checksumLen-1])}
	if f.Checksummed {
		if err := verifyChecksum(raw); err != nil {
			return Format{}, err
		}
	}
	return f, nil
}

// MariaDB reports whether the source is a MariaDB server.
func (f Format) MariaDB() bool { return strings.Contains(f.ServerVersion, "MariaDB") }

func (f Format) postHeaderLen(t EventType, dflt int) int {
	if int(t) >= 1 && int(t) <= len(f.postHeader) {
		return int(f.postHeader[t-1])
	}
	return dflt
}

// Rotate is a rotate event: the next events come from this file and position.
type Rotate struct {
	File     string
	Position uint64
}

// ParseRotate decodes a rotate event.
func (f Format) ParseRotate(raw []byte) (Rotate, error) {
	b, err := body(raw, f.Checksummed)
	if err != nil {
		return Rotate{}, err
	}
	if len(b) < 8 {
		return Rotate{}, fmt.Errorf("%w: rotate of %d bytes", ErrMalformed, len(raw))
	}
	return Rotate{Position: binary.LittleEndian.Uint64(b), File: string(b[8:])}, nil
}

// queryPostHeaderLen is thread_id (4), exec_time (4), db_len (1), error_code (2), status_vars_len (2).
const queryPostHeaderLen = 13

// ParseQuery returns a query event's statement text.
func (f Format) ParseQuery(raw []byte) (string, error) {
	b, err := body(raw, f.Checksummed)
	if err != nil {
		return "", err
	}
	ph := f.postHeaderLen(QueryEvent, queryPostHeaderLen)
	if ph < queryPostHeaderLen || len(b) < ph {
		return "", fmt.Errorf("%w: query event of %d bytes", ErrMalformed, len(raw))
	}
	dbLen, statusLen := int(b[8]), int(binary.LittleEndian.Uint16(b[11:]))
	start := ph + statusLen + dbLen + 1 // the database name ends with a NUL
	if start > len(b) {
		return "", fmt.Errorf("%w: query event's status (%d) and database (%d) overflow it", ErrMalformed,
			statusLen, dbLen)
	}
	return string(b[start:]), nil
}

// MariaDB GTID_EVENT flags.
const (
	mariaStandalone    = 0x01
	mariaGroupCommitID = 0x02
)

// MariaGTID is a MariaDB GTID event: domain-server-sequence, the server id taken from the header.
type MariaGTID struct {
	GTID MariaDBGTID
	// Standalone is true for a statement logged without BEGIN/COMMIT (DDL).
	Standalone bool
}

// ParseMariaGTID decodes a MariaDB GTID_EVENT.
func (f Format) ParseMariaGTID(raw []byte) (MariaGTID, error) {
	h, err := ParseHeader(raw)
	if err != nil {
		return MariaGTID{}, err
	}
	b, err := body(raw, f.Checksummed)
	if err != nil {
		return MariaGTID{}, err
	}
	if len(b) < 13 {
		return MariaGTID{}, fmt.Errorf("%w: GTID event of %d bytes", ErrMalformed, len(raw))
	}
	flags := b[12]
	if flags&mariaGroupCommitID != 0 && len(b) < 21 {
		return MariaGTID{}, fmt.Errorf("%w: GTID event lacks its commit id", ErrMalformed)
	}
	return MariaGTID{GTID: MariaDBGTID{Domain: binary.LittleEndian.Uint32(b[8:]), Server: h.ServerID,
		Seq: binary.LittleEndian.Uint64(b)}, Standalone: flags&mariaStandalone != 0}, nil
}

// MySQLGTID is a MySQL GTID_LOG_EVENT.
type MySQLGTID struct {
	SID UUID
	GNO uint64
	// CommitMicros is the immediate commit timestamp in microseconds since the epoch (0 when absent).
	CommitMicros uint64
}

// mysqlGTIDFixed is flags (1) + sid (16) + gno (8).
const mysqlGTIDFixed = 25

// ParseMySQLGTID decodes a MySQL GTID_LOG_EVENT (untagged: MySQL 8.4's tagged GTIDs are another type).
func (f Format) ParseMySQLGTID(raw []byte) (MySQLGTID, error) {
	b, err := body(raw, f.Checksummed)
	if err != nil {
		return MySQLGTID{}, err
	}
	if len(b) < mysqlGTIDFixed {
		return MySQLGTID{}, fmt.Errorf("%w: GTID event of %d bytes", ErrMalformed, len(raw))
	}
	var g MySQLGTID
	copy(g.SID[:], b[1:17])
	g.GNO = binary.LittleEndian.Uint64(b[17:])
	if g.GNO == 0 || g.GNO >= 1<<63 {
		return MySQLGTID{}, fmt.Errorf("%w: GTID sequence number %d", ErrMalformed, g.GNO)
	}
	// logical clock: type code 2, last_committed (8), sequence_number (8), then the 7-byte commit timestamp.
	if rest := b[mysqlGTIDFixed:]; len(rest) >= 17+7 && rest[0] == 2 {
		ts := rest[17:24]
		g.CommitMicros = uint64(ts[0]) | uint64(ts[1])<<8 | uint64(ts[2])<<16 | uint64(ts[3])<<24 |
			uint64(ts[4])<<32 | uint64(ts[5])<<40 | uint64(ts[6]&0x7f)<<48
	}
	return g, nil
}
