package mysqlsim

import (
	"encoding/binary"
	"hash/crc32"
	"time"
)

// Binary log event types the simulator writes (MySQL 8.4 source, libs/mysql/binlog/event/binlog_event.h).
const (
	evQuery         = 2
	evRotate        = 4
	evFormatDesc    = 15
	evXID           = 16
	evHeartbeat     = 27
	evGTID          = 33
	evPreviousGTIDs = 35
	evTypeCount     = 42 // Log_event_type values 1..42 (GTID_TAGGED_LOG_EVENT) have a post-header length
)

const (
	evHeaderLen      = 19
	evFlagArtificial = 0x0020 // LOG_EVENT_ARTIFICIAL_F: made up by the dump thread, not in the file
	checksumCRC32    = 1      // binary_log::BINLOG_CHECKSUM_ALG_CRC32
	checksumOff      = 0
	binlogMagicLen   = 4 // "\xfebin" opens every binary log file
)

// eventWriter builds the events of one dump: the source's server id, whether events end with a CRC32, and
// the position in the (simulated) binary log file each event ends at.
type eventWriter struct {
	serverID uint32
	crc      bool
	pos      uint32
}

// event frames body as a v4 event (MySQL Internals, "Binlog Event header"): timestamp, type, server id,
// size, log_pos (the end of the event in the file; 0 for artificial events) and flags, then the CRC32 of
// all of it when checksums are on.
func (w *eventWriter) event(typ byte, ts time.Time, flags uint16, body []byte, inFile bool) []byte {
	size := evHeaderLen + len(body)
	if w.crc {
		size += 4
	}
	var pos uint32
	if inFile {
		w.pos += uint32(size)
		pos = w.pos
	}
	b := binary.LittleEndian.AppendUint32(make([]byte, 0, size), unixSeconds(ts))
	b = append(b, typ)
	b = binary.LittleEndian.AppendUint32(b, w.serverID)
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint32(b, pos)
	b = binary.LittleEndian.AppendUint16(b, flags)
	b = append(b, body...)
	if w.crc {
		b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	}
	return b
}

func unixSeconds(t time.Time) uint32 {
	if t.IsZero() {
		return 0
	}
	return uint32(t.Unix())
}

// fakeRotate is the first event of every dump: an artificial ROTATE, timestamp 0, naming the file the dump
// reads and the position it starts at (Binlog_sender::fake_rotate_event).
func (w *eventWriter) fakeRotate(file string, pos uint64) []byte {
	body := binary.LittleEndian.AppendUint64(nil, pos)
	return w.event(evRotate, time.Time{}, evFlagArtificial, append(body, file...), false)
}

// formatDescription is the file's FORMAT_DESCRIPTION_EVENT: binlog version 4, the server version, the
// creation time (0: the sender clears it when the dump skips the file's first transaction, and a reader of
// the simulator has no temporary tables to drop), the header length, the post-header length of every type
// and the checksum algorithm. The sender clears LOG_EVENT_BINLOG_IN_USE_F, so the event goes as is.
func (w *eventWriter) formatDescription(version string, at time.Time) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 4)
	v := make([]byte, 50)
	copy(v, version)
	b = append(b, v...)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = append(b, evHeaderLen)
	post := make([]byte, evTypeCount)
	post[evQuery-1] = 13 // thread id, exec time, db length, error code, status variables length
	post[evRotate-1] = 8 // position
	post[evFormatDesc-1] = 57 + evTypeCount
	post[evGTID-1] = 42 // flags, sid, gno, logical clock type, last_committed, sequence_number
	b = append(b, post...)
	alg := byte(checksumOff)
	if w.crc {
		alg = checksumCRC32
	}
	// The algorithm byte ends the body, and a format description always has the 4 checksum bytes after it,
	// zeros when checksums are off (MySQL Internals, "FORMAT_DESCRIPTION_EVENT", since 5.6.1).
	crc := w.crc
	w.crc = true
	ev := w.event(evFormatDesc, at, 0, append(b, alg), true)
	w.crc = crc
	if !crc {
		clear(ev[len(ev)-4:])
	}
	return ev
}

// previousGTIDs is the file's PREVIOUS_GTIDS_LOG_EVENT: the transactions logged before it (in the
// simulator, those purged: gtid_purged).
func (w *eventWriter) previousGTIDs(set GTIDSet, at time.Time) []byte {
	return w.event(evPreviousGTIDs, at, 0, encodeGTIDSet(set), true)
}

// heartbeat is a HEARTBEAT_LOG_EVENT (v1): timestamp 0, the current file name and position; it is not in
// the file (Binlog_sender::send_heartbeat_event_v1).
func (w *eventWriter) heartbeat(file string) []byte {
	b := w.event(evHeartbeat, time.Time{}, 0, []byte(file), false)
	binary.LittleEndian.PutUint32(b[13:], w.pos)
	if w.crc {
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
	}
	return b
}
