package binlog_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/orca-operator/orca/binlog"
	"github.com/orca-operator/orca/test/peers"
)

// binlogArgs make a MariaDB write row-based, checksummed binary logs.
var binlogArgs = []string{"--log-bin=binlog", "--server-id=1", "--binlog-format=ROW", "--binlog-checksum=CRC32"}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func openDB(t *testing.T, m *peers.MariaDB) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", m.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// readAll streams the source's whole binary log after from and assembles it into transactions.
func readAll(t *testing.T, ctx context.Context, m *peers.MariaDB, from binlog.Set) []*binlog.Transaction {
	t.Helper()
	out, err := dialAll(ctx, binlog.Config{Addr: m.Addr, User: "root", NonBlocking: true}, from)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// dialAll dials with cfg and assembles every transaction after from, to the end of the binary log.
func dialAll(ctx context.Context, cfg binlog.Config, from binlog.Set) ([]*binlog.Transaction, error) {
	s, err := binlog.Dial(ctx, cfg, from)
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close() }()
	a := binlog.NewAssembler(s.Source.Checksummed)
	var out []*binlog.Transaction
	for {
		ev, err := s.Next()
		if errors.Is(err, binlog.ErrEnd) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		txn, err := a.Feed(ev)
		if err != nil {
			return out, err
		}
		if txn != nil {
			out = append(out, txn)
		}
	}
}

func TestStreamAssemblesMariaDBTransactions(t *testing.T) {
	ctx := ctxFor(t)
	src := peers.StartMariaDB(t, binlogArgs...)
	db := openDB(t, src)
	mustExec(t, db, "CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v TEXT)",
		"CREATE TABLE app.m (id INT PRIMARY KEY) ENGINE=MyISAM")
	for i := 1; i <= 20; i++ {
		mustExec(t, db, fmt.Sprintf("INSERT INTO app.t VALUES (%d, REPEAT('x', %d))", i, i*100))
	}
	mustExec(t, db, "BEGIN", "UPDATE app.t SET v = 'y' WHERE id < 5", "DELETE FROM app.t WHERE id = 7", "COMMIT",
		"INSERT INTO app.m VALUES (1)")
	txns := readAll(t, ctx, src, binlog.NewSet(true))
	// 3 DDL + 20 inserts + 1 transaction + 1 MyISAM insert.
	if len(txns) != 25 {
		t.Fatalf("%d transactions, want 25", len(txns))
	}
	var pos string
	if err := db.QueryRow("SELECT @@gtid_binlog_pos").Scan(&pos); err != nil {
		t.Fatal(err)
	}
	for i, txn := range txns {
		if want := fmt.Sprintf("0-1-%d", i+1); txn.GTID.String() != want {
			t.Errorf("transaction %d has GTID %s, want %s", i, txn.GTID, want)
		}
		if time.Since(txn.Time) > time.Minute || txn.Time.After(time.Now().Add(time.Second)) {
			t.Errorf("transaction %s at %s", txn.GTID, txn.Time)
		}
	}
	if last := txns[len(txns)-1].GTID.String(); last != pos {
		t.Errorf("last transaction %s, gtid_binlog_pos %s", last, pos)
	}
	// From a position the stream begins right after it.
	from, err := binlog.ParseSet("0-1-23", true)
	if err != nil {
		t.Fatal(err)
	}
	rest := readAll(t, ctx, src, from)
	if len(rest) != 2 || rest[0].GTID.String() != "0-1-24" {
		t.Fatalf("after 0-1-23: %d transactions, first %v", len(rest), rest)
	}
}

func TestWrittenFileReplaysWithMariaDBBinlog(t *testing.T) {
	ctx := ctxFor(t)
	src, dst := peers.StartMariaDB(t, binlogArgs...), peers.StartMariaDB(t)
	db := openDB(t, src)
	mustExec(t, db, "CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v TEXT)")
	for i := 1; i <= 10; i++ {
		mustExec(t, db, fmt.Sprintf("INSERT INTO app.t VALUES (%d, 'row %d')", i, i))
	}
	txns := readAll(t, ctx, src, binlog.NewSet(true))
	var file bytes.Buffer
	if _, err := binlog.WriteFile(&file, txns[0].Format, txns); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("ORCA_WRITE_SEEDS") != "" {
		if err := os.WriteFile("testdata/mariadb-10.11.binlog", file.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	back, err := binlog.ReadFile(file.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(txns) || back[len(back)-1].GTID != txns[len(txns)-1].GTID {
		t.Fatalf("read back %d transactions of %d", len(back), len(txns))
	}
	replay := exec.CommandContext(ctx, "sh", "-c", fmt.Sprintf("mariadb-binlog - | mariadb -h127.0.0.1 -P%d -uroot",
		dst.Port))
	replay.Stdin = bytes.NewReader(file.Bytes())
	if out, err := replay.CombinedOutput(); err != nil {
		t.Fatalf("replay: %v: %s", err, out)
	}
	var n int
	var v string
	if err := openDB(t, dst).QueryRow("SELECT COUNT(*), MAX(v) FROM app.t").Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != 10 || v != "row 9" {
		t.Fatalf("replayed %d rows, max %q", n, v)
	}
}

func TestPurgedPositionIsRefused(t *testing.T) {
	ctx := ctxFor(t)
	src := peers.StartMariaDB(t, binlogArgs...)
	db := openDB(t, src)
	mustExec(t, db, "CREATE DATABASE app", "FLUSH BINARY LOGS", "CREATE TABLE app.t (id INT)", "FLUSH BINARY LOGS")
	mustExec(t, db, "PURGE BINARY LOGS TO 'binlog.000003'")
	s, err := binlog.Dial(ctx, binlog.Config{Addr: src.Addr, User: "root", NonBlocking: true}, binlog.NewSet(true))
	if err == nil {
		_, err = s.Next()
		_ = s.Close()
	}
	var se *binlog.ServerError
	if !errors.As(err, &se) || se.Code != binlog.ErrCodeSourceFatalReadingBinlog {
		t.Fatalf("dump from the start after a purge: %v, want error %d", err, binlog.ErrCodeSourceFatalReadingBinlog)
	}
}
