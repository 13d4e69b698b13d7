package mysqlsim

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/binlog"
)

// dumpMember is a bootstrapped one-member group with a table and three transactions after it: an INSERT
// in autocommit, a two-statement transaction and a DDL.
func dumpMember(t *testing.T) (*simGroup, string, *sql.DB, string) {
	t.Helper()
	tc, addrs := simulatedGroup(t, 1)
	addr := addrs[0]
	db := rootDB(t, addr)
	dbName := tc.dbName
	for _, s := range []string{"CREATE TABLE " + dbName + ".t (id INT PRIMARY KEY)",
		"INSERT INTO " + dbName + ".t VALUES (1)"} {
		mustExecSim(t, db, s)
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"INSERT INTO " + dbName + ".t VALUES (2)", "INSERT INTO " + dbName + ".t VALUES (3)"} {
		if _, err := tx.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	mustExecSim(t, db, "CREATE TABLE "+dbName+".u (id INT PRIMARY KEY)")
	return tc, addr, db, dbName
}

func mustExecSim(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func dumpConfig(addr string) binlog.Config {
	return binlog.Config{Addr: addr, User: "root", Password: "rootpw", Heartbeat: 50 * time.Millisecond}
}

// readAll reads a non-blocking dump to its end and assembles its transactions.
func readAll(t *testing.T, addr string, from string) ([]*binlog.Transaction, [][]byte) {
	t.Helper()
	return readAllCRC(t, addr, from, true)
}

func readAllCRC(t *testing.T, addr string, from string, crc bool) ([]*binlog.Transaction, [][]byte) {
	t.Helper()
	set, err := binlog.ParseSet(from, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := dumpConfig(addr)
	cfg.NonBlocking = true
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := binlog.Dial(ctx, cfg, set)
	if err != nil {
		t.Fatalf("dial the simulated member: %v", err)
	}
	defer func() { _ = s.Close() }()
	if s.Source.Checksummed != crc || s.Source.MariaDB || s.Source.ReadOnly {
		t.Fatalf("source: %+v", s.Source)
	}
	asm := binlog.NewAssembler(crc)
	var txns []*binlog.Transaction
	var raw [][]byte
	for {
		ev, err := s.Next()
		if errors.Is(err, binlog.ErrEnd) {
			return txns, raw
		}
		if err != nil {
			t.Fatalf("read the dump: %v", err)
		}
		raw = append(raw, ev)
		txn, err := asm.Feed(ev)
		if err != nil {
			t.Fatalf("decode event %d: %v", len(raw), err)
		}
		if txn != nil {
			txns = append(txns, txn)
		}
	}
}

// statements are a transaction's query texts (BEGIN included).
func statements(t *testing.T, txn *binlog.Transaction) []string {
	t.Helper()
	f, err := binlog.ParseFormat(txn.Format)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range txn.Events[1:] {
		if binlog.EventType(ev[4]) == binlog.QueryEvent {
			q, err := f.ParseQuery(ev)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, q)
		}
	}
	return out
}

// Orca's binlog reader decodes the simulator's dump: a fake rotate, a CRC32 format description of 8.4, and
// each committed transaction in GTID order with valid checksums: DML as GTID, BEGIN, the statements, XID;
// DDL as GTID and the statement.
func TestBinlogDumpDecodesWithOrcasReader(t *testing.T) {
	tc, addr, _, dbName := dumpMember(t)
	m := tc.members[0]
	txns, raw := readAll(t, addr, "")
	if h, err := binlog.ParseHeader(raw[0]); err != nil || h.Type != binlog.RotateEvent ||
		h.Flags&binlog.FlagArtificial == 0 || h.Timestamp != 0 {
		t.Fatalf("first event: %+v, %v", h, err)
	}
	f, err := binlog.ParseFormat(raw[1])
	if err != nil || !f.Checksummed || f.ServerVersion != m.Version() {
		t.Fatalf("format description: %+v, %v", f, err)
	}
	executed := m.GTIDExecuted()
	if got := int64(len(txns)); got != executed.Count() {
		t.Fatalf("%d transactions, the member executed %s", got, executed)
	}
	for i, k := range executed.keys() {
		if want := k.uuid + ":" + strconv.FormatInt(k.n, 10); txns[i].GTID.String() != want {
			t.Fatalf("transaction %d is %s, want %s (GTID order)", i, txns[i].GTID, want)
		}
	}
	last := txns[len(txns)-4:]
	want := [][]string{{"CREATE TABLE " + dbName + ".t (id INT PRIMARY KEY)"},
		{"BEGIN", "INSERT INTO " + dbName + ".t VALUES (1)"},
		{"BEGIN", "INSERT INTO " + dbName + ".t VALUES (2)", "INSERT INTO " + dbName + ".t VALUES (3)"},
		{"CREATE TABLE " + dbName + ".u (id INT PRIMARY KEY)"}}
	for i, x := range last {
		if got := statements(t, x); strings.Join(got, ";") != strings.Join(want[i], ";") {
			t.Fatalf("transaction %s logs %q, want %q", x.GTID, got, want[i])
		}
		end := binlog.EventType(x.Events[len(x.Events)-1][4])
		if ddl := len(want[i]) == 1; ddl != (end == binlog.QueryEvent) || !ddl && end != binlog.XIDEvent {
			t.Fatalf("transaction %s ends with %s", x.GTID, end)
		}
	}
	// A set the replica has is skipped: only what follows it comes.
	upTo := executed.Subtract(MustGTIDSet(last[3].GTID.String())).Subtract(MustGTIDSet(last[2].GTID.String()))
	rest, _ := readAll(t, addr, upTo.String())
	if len(rest) != 2 || rest[0].GTID != last[2].GTID || rest[1].GTID != last[3].GTID {
		t.Fatalf("from %s: %d transactions", upTo, len(rest))
	}
}

// With binlog_checksum=NONE the events carry no CRC32 and the format description says so (its 4 checksum
// bytes zero): the reader decodes the same transactions.
func TestBinlogDumpWithoutChecksums(t *testing.T) {
	tc, addr, db, _ := dumpMember(t)
	mustExecSim(t, db, "SET GLOBAL binlog_checksum = 'NONE'")
	txns, raw := readAllCRC(t, addr, "", false)
	if f, err := binlog.ParseFormat(raw[1]); err != nil || f.Checksummed {
		t.Fatalf("format description: %+v, %v", f, err)
	}
	if n := tc.members[0].GTIDExecuted().Count(); int64(len(txns)) != n {
		t.Fatalf("%d transactions, want %d", len(txns), n)
	}
}
