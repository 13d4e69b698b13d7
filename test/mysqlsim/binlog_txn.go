package mysqlsim

import (
	"encoding/binary"
	"fmt"
	"time"
)

// gtidFlagMayHaveSBR is Gtid_event's FLAG_MAY_HAVE_SBR: the group may hold statement-based events, which the
// simulator's always do.
const gtidFlagMayHaveSBR = 0x01

// transactionEvents are one transaction's events as MySQL 8.4 logs them (MySQL 8.4 manual, "Binary Logging
// Formats"; MySQL Internals, "Binlog Event"): GTID_LOG_EVENT, then for DML a QUERY "BEGIN", a QUERY per
// statement and an XID; for DDL the statement's QUERY alone. seq is the transaction's logical clock in the
// file (sequence_number; last_committed is the one before, a serial commit order), xid its XID.
func (w *eventWriter) transactionEvents(k gtidKey, b binlogTx, version string, seq int64) [][]byte {
	probe := *w
	bodyLen := 0
	for _, e := range probe.bodyEvents(b, seq) {
		bodyLen += len(e)
	}
	total := uint64(bodyLen) + uint64(w.gtidEventSize(0))
	for {
		next := uint64(bodyLen) + uint64(w.gtidEventSize(total))
		if next == total {
			break
		}
		total = next
	}
	gtid := w.gtidEvent(k, b.at, seq, total, version)
	return append([][]byte{gtid}, w.bodyEvents(b, seq)...)
}

// bodyEvents are the events after the GTID event.
func (w *eventWriter) bodyEvents(b binlogTx, xid int64) [][]byte {
	if b.ddl {
		return [][]byte{w.query(b.at, b.db, b.stmts[0])}
	}
	out := [][]byte{w.query(b.at, "", "BEGIN")}
	for _, q := range b.stmts {
		out = append(out, w.query(b.at, b.db, q))
	}
	if len(b.stmts) == 0 { // an empty transaction: BEGIN, COMMIT
		return append(out, w.query(b.at, "", "COMMIT"))
	}
	return append(out, w.xid(b.at, uint64(xid)))
}

// gtidEventSize is the size of a GTID_LOG_EVENT; the transaction length it carries is length-encoded, so
// it is computed for a length of that many bytes (1 below 251).
func (w *eventWriter) gtidEventSize(txLen uint64) uint32 {
	n := evHeaderLen + 42 + 7 + len(appendNetFieldLength(nil, txLen)) + 4
	if w.crc {
		n += 4
	}
	return uint32(n)
}

// gtidEvent is a GTID_LOG_EVENT (Gtid_event::write_data_header and write_body_to_memory): flags, SID, GNO,
// logical clock (type 2, last_committed, sequence_number), the immediate commit timestamp in microseconds
// (7 bytes, top bit clear: the original timestamp is the same), the transaction length and the immediate
// server version (top bit clear: the original is the same).
func (w *eventWriter) gtidEvent(k gtidKey, at time.Time, seq int64, txLen uint64, version string) []byte {
	b := []byte{gtidFlagMayHaveSBR}
	b = append(b, uuidBytes(k.uuid)...)
	b = binary.LittleEndian.AppendUint64(b, uint64(k.n))
	b = append(b, 2)
	b = binary.LittleEndian.AppendUint64(b, uint64(seq-1))
	b = binary.LittleEndian.AppendUint64(b, uint64(seq))
	micros := uint64(at.UnixMicro())
	for i := range 7 {
		b = append(b, byte(micros>>(8*i)))
	}
	b[len(b)-1] &= 0x7f
	b = appendNetFieldLength(b, txLen)
	b = binary.LittleEndian.AppendUint32(b, serverVersionNumber(version))
	return w.event(evGTID, at, 0, b, true)
}

// query is a QUERY_EVENT: thread id, execution time, database name length, error code, status variables
// length (none: the simulator logs no session state), the database name and its NUL, the statement.
func (w *eventWriter) query(at time.Time, db, stmt string) []byte {
	b := make([]byte, 13, 13+len(db)+1+len(stmt))
	b[8] = byte(len(db))
	b = append(b, db...)
	b = append(b, 0)
	return w.event(evQuery, at, 0, append(b, stmt...), true)
}

// xid is an XID_EVENT: the InnoDB transaction id that committed the group.
func (w *eventWriter) xid(at time.Time, xid uint64) []byte {
	return w.event(evXID, at, 0, binary.LittleEndian.AppendUint64(nil, xid), true)
}

// appendNetFieldLength appends n in the binary log's packed integer form (net_field_length).
func appendNetFieldLength(b []byte, n uint64) []byte {
	switch {
	case n < 251:
		return append(b, byte(n))
	case n < 1<<16:
		return binary.LittleEndian.AppendUint16(append(b, 252), uint16(n))
	case n < 1<<24:
		return append(b, 253, byte(n), byte(n>>8), byte(n>>16))
	}
	return binary.LittleEndian.AppendUint64(append(b, 254), n)
}

// serverVersionNumber is 8.4.6 as 80406 (MYSQL_VERSION_ID).
func serverVersionNumber(version string) uint32 {
	var a, b, c uint32
	_, _ = fmt.Sscanf(version, "%d.%d.%d", &a, &b, &c)
	return a*10000 + b*100 + c
}
