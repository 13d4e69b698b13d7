package binlog

import (
	"encoding/binary"
	"hash/crc32"
)

// ev builds one v4 event with a trailing CRC32 when checksummed.
func ev(t EventType, ts, serverID, logPos uint32, body []byte, checksummed bool) []byte {
	size := HeaderLen + len(body)
	if checksummed {
		size += checksumLen
	}
	b := binary.LittleEndian.AppendUint32(nil, ts)
	b = append(b, byte(t))
	b = binary.LittleEndian.AppendUint32(b, serverID)
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint32(b, logPos)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = append(b, body...)
	if checksummed {
		b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
	}
	return b
}

// fde builds a format description event of a server version with the v4 post-header lengths of MySQL 8.
func fde(version string, checksummed bool) []byte {
	b := binary.LittleEndian.AppendUint16(nil, 4)
	v := make([]byte, 50)
	copy(v, version)
	b = append(b, v...)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = append(b, HeaderLen)
	post := make([]byte, 41)
	post[QueryEvent-1] = queryPostHeaderLen
	post[RotateEvent-1] = 8
	post[MySQLGTIDEvent-1] = 42
	b = append(b, post...)
	alg := byte(checksumOff)
	if checksummed {
		alg = checksumCRC32
	}
	b = append(b, alg)
	e := ev(FormatDescriptionEvent, 1, 1, 0, b, true)
	if !checksummed {
		binary.LittleEndian.PutUint32(e[len(e)-4:], 0)
	}
	return e
}

// query builds a query event's body: post-header, no status variables, database "app", the text.
func query(text string) []byte {
	b := make([]byte, queryPostHeaderLen)
	b[8] = 3
	b = append(b, "app\x00"...)
	return append(b, text...)
}

// mysqlGTID builds a GTID_LOG_EVENT body with a logical clock and an immediate commit timestamp.
func mysqlGTID(sid UUID, gno uint64, commitMicros uint64) []byte {
	b := append([]byte{1}, sid[:]...)
	b = binary.LittleEndian.AppendUint64(b, gno)
	b = append(b, 2)
	b = binary.LittleEndian.AppendUint64(b, 0)
	b = binary.LittleEndian.AppendUint64(b, 1)
	for i := range 7 {
		b = append(b, byte(commitMicros>>(8*i)))
	}
	return b
}
