package mysqlsim

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/binlog"
	"github.com/orca-operator/orca/test/mysqlsim/classic"
)

func dial(t *testing.T, cfg binlog.Config, from string) (*binlog.Stream, error) {
	t.Helper()
	set, err := binlog.ParseSet(from, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel) // the stream lives until ctx ends
	return binlog.Dial(ctx, cfg, set)
}

func serverError(t *testing.T, err error, code uint16, contains string) {
	t.Helper()
	var se *binlog.ServerError
	if !errors.As(err, &se) || se.Code != code || !strings.Contains(se.Message, contains) {
		t.Fatalf("want server error %d containing %q, got %v", code, contains, err)
	}
}

// A replica asking for transactions the member purged gets 1236 with MySQL's message; one that has them
// all is served. An account without REPLICATION SLAVE is refused: 1045 at COM_REGISTER_SLAVE (check_access),
// 1227 at COM_BINLOG_DUMP_GTID (check_global_access).
func TestBinlogDumpRefusesPurgedGTIDsAndUnprivilegedAccounts(t *testing.T) {
	tc, addr, db, _ := dumpMember(t)
	m := tc.members[0]
	m.PurgeBinaryLogs()
	cfg := dumpConfig(addr)
	cfg.NonBlocking = true
	s, err := dial(t, cfg, "")
	if err == nil {
		_, err = s.Next()
		_ = s.Close()
	}
	serverError(t, err, binlog.ErrCodeSourceFatalReadingBinlog, "the source purged required binary logs")
	if !strings.Contains(err.Error(), "the missing transactions are '"+m.GTIDExecuted().String()+"'") {
		t.Fatalf("the error names no missing set: %v", err)
	}
	// GTIDs of the member's own UUID that it never executed: refused first (the replica is ahead).
	s, err = dial(t, cfg, m.GTIDExecuted().String()+","+m.UUID()+":1")
	if err == nil {
		_, err = s.Next()
		_ = s.Close()
	}
	serverError(t, err, binlog.ErrCodeSourceFatalReadingBinlog,
		"Replica has more GTIDs than the source has, using the source's SERVER_UUID.")
	s, err = dial(t, cfg, m.GTIDExecuted().String())
	if err != nil {
		t.Fatal(err)
	}
	for err == nil {
		_, err = s.Next()
	}
	_ = s.Close()
	if !errors.Is(err, binlog.ErrEnd) {
		t.Fatalf("a replica with every purged GTID: %v", err)
	}

	mustExecSim(t, db, "CREATE USER reader@'%' IDENTIFIED BY 'pw'")
	mustExecSim(t, db, "GRANT SELECT, REPLICATION CLIENT ON *.* TO reader@'%'")
	cfg.User, cfg.Password = "reader", "pw"
	_, err = dial(t, cfg, m.GTIDExecuted().String())
	serverError(t, err, 1045, "Access denied for user 'reader'@'%' (using password: YES)")
	sess, err := m.NewSession("reader", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	_, _, err = m.startDump(sess, classic.DumpRequest{})
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("dump without REPLICATION SLAVE: %v", err)
	}
	wantCode(t, se, 1227, "the REPLICATION SLAVE privilege(s)")
	mustExecSim(t, db, "GRANT REPLICATION SLAVE ON *.* TO reader@'%'")
	if s, err = dial(t, cfg, m.GTIDExecuted().String()); err != nil {
		t.Fatalf("with REPLICATION SLAVE: %v", err)
	}
	_ = s.Close()
}

// A client that does not announce checksums (no @source_binlog_checksum) is refused while binlog_checksum is
// CRC32, as Binlog_sender does.
func TestBinlogDumpRefusesAChecksumUnawareClient(t *testing.T) {
	tc := newCluster(t, 1, "", nil)
	tc.bootstrap()
	m := tc.members[0]
	s := tc.session(m)
	_, _, err := m.startDump(s, classic.DumpRequest{Flags: classic.DumpThroughGTID, GTIDs: encodeGTIDSet(GTIDSet{})})
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("want a server error, got %v", err)
	}
	wantCode(t, se, 1236, "Replica can not handle replication events with the checksum")
	tc.execIn(s, "SET @source_binlog_checksum = @@global.binlog_checksum")
	if _, _, err := m.startDump(s, classic.DumpRequest{Flags: classic.DumpThroughGTID,
		GTIDs: encodeGTIDSet(GTIDSet{})}); err != nil {
		t.Fatalf("after the announcement: %v", err)
	}
}

// A blocking dump sends heartbeats while idle, each new commit as it happens, and ends with the connection
// when the member crashes (not by a read timeout).
func TestBinlogDumpFollowsCommitsAndEndsAtACrash(t *testing.T) {
	tc, addr, db, dbName := dumpMember(t)
	m := tc.members[0]
	s, err := dial(t, dumpConfig(addr), m.GTIDExecuted().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	asm := binlog.NewAssembler(true)
	next := func() (binlog.EventType, *binlog.Transaction) {
		t.Helper()
		ev, err := s.Next()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		txn, err := asm.Feed(ev)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		return binlog.EventType(ev[4]), txn
	}
	for typ, _ := next(); typ != binlog.HeartbeatEvent; typ, _ = next() {
		if typ != binlog.RotateEvent && typ != binlog.FormatDescriptionEvent && typ != binlog.PreviousGTIDsEvent {
			t.Fatalf("%s before the first heartbeat of an idle dump", typ)
		}
	}
	before := m.GTIDExecuted()
	mustExecSim(t, db, "INSERT INTO "+dbName+".t VALUES (4)")
	var txn *binlog.Transaction
	for txn == nil {
		_, txn = next()
	}
	if want := m.GTIDExecuted().Subtract(before); txn.GTID.String() != want.String() {
		t.Fatalf("live transaction %s, want %s", txn.GTID, want)
	}
	m.Crash()
	for err == nil {
		_, err = s.Next()
	}
	var ne net.Error
	if errors.Is(err, binlog.ErrEnd) || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("after the crash: %v, want the connection closed", err)
	}
}
