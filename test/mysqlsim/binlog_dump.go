package mysqlsim

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orca-operator/orca/test/mysqlsim/classic"
)

// errFatalBinlog is ER_MASTER_FATAL_ERROR_READING_BINLOG (1236), the error a dump thread ends with; the
// message is the sender's own (Binlog_sender::set_fatal_error), which the replica quotes in "Got fatal error
// 1236 from source when reading data from binary log: '...'".
func errFatalBinlog(format string, args ...any) *Error {
	return sqlErr(1236, "HY000", format, args...)
}

// dump is one COM_BINLOG_DUMP_GTID's state.
type dump struct {
	w        eventWriter
	file     string
	version  string
	inc      int
	sent     GTIDSet // the replica's GTIDs and those sent since
	beat     time.Duration
	nonBlock bool
	seq      int64
}

// dumpGTID serves COM_BINLOG_DUMP_GTID: the fake rotate, the file's format description and previous GTIDs,
// then every transaction of the member not in the replica's set, in GTID order, and the new ones as they
// commit. It ends when the client goes, with ErrMemberDown when the member goes down or restarts (the
// connection drops without a word, as a killed mysqld's does), or at the end of the log for a non-blocking
// dump (nil: an EOF packet).
func (m *Member) dumpGTID(ctx context.Context, s *Session, req classic.DumpRequest, send func([]byte) error) error {
	d, header, err := m.startDump(s, req)
	if err != nil {
		return err
	}
	for _, ev := range header {
		if err := send(ev); err != nil {
			return err
		}
	}
	for {
		evs, done, err := m.nextEvents(ctx, d)
		if err != nil || done {
			return err
		}
		for _, ev := range evs {
			if err := send(ev); err != nil {
				return err
			}
		}
	}
}

// startDump checks the request as Binlog_sender::init does and returns the dump and its first events.
func (m *Member) startDump(s *Session, req classic.DumpRequest) (*dump, [][]byte, error) {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	if err := m.sessionUsable(s); err != nil {
		return nil, nil, err
	}
	if err := m.checkReplicationPriv(s); err != nil {
		return nil, nil, err
	}
	from, err := dumpFrom(req)
	if err != nil {
		return nil, nil, err
	}
	if m.globals["gtid_mode"] != "ON" {
		return nil, nil, errFatalBinlog("The replication sender thread cannot start in AUTO_POSITION mode: "+
			"this server has GTID_MODE = %s instead of ON.", m.globals["gtid_mode"])
	}
	if err := m.checkReplicaSet(from); err != nil {
		return nil, nil, err
	}
	// The checksum is checked when the format description is about to go, after the GTID checks.
	crc := m.globals["binlog_checksum"] == "CRC32"
	if _, announced := replicaChecksum(s); crc && !announced {
		return nil, nil, errFatalBinlog("Replica can not handle replication events with the checksum that " +
			"source is configured to log")
	}
	d := &dump{w: eventWriter{serverID: uint32(m.intVar("server_id")), crc: crc, pos: binlogMagicLen},
		file: fmt.Sprintf("binlog.%06d", m.incarnation), version: m.cfg.Version, inc: m.incarnation,
		sent: from, beat: heartbeatPeriod(s), nonBlock: req.Flags&classic.DumpNonBlock != 0}
	header := [][]byte{d.w.fakeRotate(d.file, binlogMagicLen), d.w.formatDescription(d.version, m.bootedAt),
		d.w.previousGTIDs(m.purged, m.bootedAt)}
	return d, header, nil
}

// checkReplicaSet refuses, in Binlog_sender::init's order, a replica that has transactions of this server's
// own UUID the server never executed (ER_REPLICA_HAS_MORE_GTIDS_THAN_SOURCE; its text after the first
// sentence is from memory of 8.0's, not checked against 8.4), then one that lacks purged transactions.
func (m *Member) checkReplicaSet(from GTIDSet) error {
	own := GTIDSet{m: map[string][]interval{m.uuid: from.m[m.uuid]}}
	if !own.SubsetOf(m.gtid) {
		return errFatalBinlog("Replica has more GTIDs than the source has, using the source's SERVER_UUID. " +
			"This may indicate that the end of the binary log was truncated or that the last binary log file " +
			"was lost, e.g., after a power or disk failure when sync_binlog != 1. The source may or may not " +
			"have rolled back transactions that were already replicated to the replica. Suggest to replicate " +
			"any transactions that source has rolled back from replica to source, and/or commit empty " +
			"transactions on source to account for transactions that have been committed on source but are " +
			"not included in GTID_EXECUTED.")
	}
	if missing := m.purged.Subtract(from); !missing.IsEmpty() {
		return errPurgedRequired(from, missing)
	}
	return nil
}

// errPurgedRequired is ER_SOURCE_HAS_PURGED_REQUIRED_GTIDS as the dump thread sends it, under 1236: the
// replica lacks transactions the source no longer has (MySQL 8.4 manual, "Replication with GTIDs", and
// "PURGE BINARY LOGS").
func errPurgedRequired(from, missing GTIDSet) *Error {
	return errFatalBinlog("Cannot replicate because the source purged required binary logs. Replicate the "+
		"missing transactions from elsewhere, or provision a new replica from backup. Consider increasing the "+
		"source's binary log expiration period. The GTID set sent by the replica is '%s', and the missing "+
		"transactions are '%s'.", from, missing)
}

// dumpFrom is the replica's GTID set; without BINLOG_THROUGH_GTID the dump starts from the oldest file.
func dumpFrom(req classic.DumpRequest) (GTIDSet, error) {
	if req.Flags&classic.DumpThroughGTID == 0 {
		return GTIDSet{}, nil
	}
	set, err := decodeGTIDSet(req.GTIDs)
	if err != nil {
		return GTIDSet{}, sqlErr(classic.ErMalformedPacket, "HY000", "Malformed communication packet.")
	}
	return set, nil
}

// checkReplicationPriv is the REPLICATION SLAVE check of COM_BINLOG_DUMP_GTID (MySQL 8.4 manual, "Privileges
// Provided by MySQL": REPLICATION SLAVE "enables the account to request updates that have been made to
// databases on the source server"): check_global_access, ER_SPECIFIC_ACCESS_DENIED_ERROR (1227).
func (m *Member) checkReplicationPriv(s *Session) error {
	if !s.hasAny("REPLICATION SLAVE") {
		return errSpecificAccess("REPLICATION SLAVE")
	}
	return nil
}

// checkRegisterPriv is the same check in COM_REGISTER_SLAVE, where register_replica calls check_access for a
// global privilege: its "we can never grant this" branch answers ER_ACCESS_DENIED_ERROR (1045) with the
// account's user and host, not 1227.
func (m *Member) checkRegisterPriv(s *Session) error {
	if !s.hasAny("REPLICATION SLAVE") {
		return errAccessDenied(s.acct.User, s.acct.Host)
	}
	return nil
}

// replicaChecksum is the checksum algorithm the replica announced in @source_binlog_checksum (or the older
// @master_binlog_checksum), which the sender reads to know the client handles checksums
// (Binlog_sender::init_checksum_alg).
func replicaChecksum(s *Session) (string, bool) {
	for _, name := range []string{"source_binlog_checksum", "master_binlog_checksum"} {
		if v, ok := s.userVars[name]; ok && v != nil {
			return strings.ToUpper(fmt.Sprint(v)), true
		}
	}
	return "", false
}

// heartbeatPeriod is @source_heartbeat_period (or @master_heartbeat_period), in nanoseconds; 0 or unset
// sends no heartbeats (Binlog_sender::init_heartbeat_period).
func heartbeatPeriod(s *Session) time.Duration {
	for _, name := range []string{"source_heartbeat_period", "master_heartbeat_period"} {
		if v, ok := s.userVars[name]; ok && v != nil {
			n, _ := strconv.ParseInt(fmt.Sprint(v), 10, 64)
			return time.Duration(n)
		}
	}
	return 0
}
