package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/backup/pitr"
	"github.com/orca-operator/orca/binlog"
	"github.com/orca-operator/orca/test/peers"
)

// `orca binlog-archive` killed with SIGKILL while a writer inserts a row every 100 ms, then started again: the
// archive holds every transaction of the source exactly once, in order.
func TestBinlogArchiveKilledAndRestarted(t *testing.T) {
	src := peers.StartMariaDB(t, "--log-bin=binlog", "--server-id=1", "--binlog-format=ROW")
	s3 := peers.StartS3(t, "backups")
	db, err := sql.Open("mysql", src.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	for _, q := range []string{"CREATE DATABASE app",
		"CREATE TABLE app.w (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME(6) NOT NULL DEFAULT NOW(6))"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	writerDone := make(chan error, 1)
	go func() {
		for !stop.Load() {
			if _, err := db.Exec("INSERT INTO app.w () VALUES ()"); err != nil {
				writerDone <- err
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		writerDone <- nil
	}()
	store, err := backup.NewS3Store(backup.S3Config{Bucket: "backups", Prefix: "c1", Endpoint: s3.Endpoint,
		PathStyle: true, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	env := []string{envS3AccessKey + "=" + s3.AccessKey, envS3SecretKey + "=" + s3.SecretKey}
	args := []string{"binlog-archive", "--source", src.Addr, "--bucket", "backups", "--prefix", "c1",
		"--endpoint", s3.Endpoint, "--path-style", "--segment-interval", "1s"}
	first, out1 := orcaProcess(env, args...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	waitSegments(t, store, 2)
	if _, err := backup.Dump(context.Background(), backup.DumpOptions{Source: backup.Server{Addr: src.Addr,
		User: "root"}, Store: store.Sub("base"), ID: "base"}); err != nil {
		t.Fatal(err)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	time.Sleep(1500 * time.Millisecond) // rows committed while no archiver runs
	second, out2 := orcaProcess(env, args...)
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = second.Process.Kill(); _ = second.Wait() }()
	waitSegments(t, store, countSegments(t, store)+2)
	stop.Store(true)
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	var pos string
	if err := db.QueryRow("SELECT @@gtid_binlog_pos").Scan(&pos); err != nil {
		t.Fatal(err)
	}
	waitArchived(t, store, pos)
	var n uint64
	if _, err := fmt.Sscanf(pos, "0-1-%d", &n); err != nil {
		t.Fatal(err)
	}
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Errorf("archiver exit after SIGTERM: %v\n%s", err, out2)
	}
	restorePointCommand(t, env, s3.Endpoint, n)
	gtids := archivedGTIDs(t, store)
	if uint64(len(gtids)) != n {
		t.Errorf("%d transactions archived, the source logged %d\nfirst run:\n%s", len(gtids), n, out1)
	}
	for i, g := range gtids {
		if want := fmt.Sprintf("0-1-%d", i+1); g != want {
			t.Fatalf("transaction %d of the archive is %s, want %s (gap or duplicate)", i, g, want)
		}
	}
}

// restorePointCommand runs `orca restore --restore-point latest` of the backup "base" into a fresh server, which
// then holds every row the source committed (n transactions: the two DDL statements and n-2 inserts).
func restorePointCommand(t *testing.T, env []string, endpoint string, n uint64) {
	t.Helper()
	dst := peers.StartMariaDB(t)
	cmd, out := orcaProcess(env, "restore", "--host", "127.0.0.1", "--port", strconv.Itoa(dst.Port), "--bucket",
		"backups", "--prefix", "c1", "--endpoint", endpoint, "--path-style", "--backup-id", "base",
		"--restore-point", "latest")
	if err := cmd.Run(); err != nil {
		t.Fatalf("orca restore --restore-point: %v\n%s", err, out)
	}
	var rep struct {
		Reached struct{ GTID string }
	}
	if err := json.Unmarshal([]byte(lastLine(out.String())), &rep); err != nil {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	db, err := sql.Open("mysql", dst.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var rows uint64
	if err := db.QueryRow("SELECT COUNT(*) FROM app.w").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != n-2 || rep.Reached.GTID != fmt.Sprintf("0-1-%d", n) {
		t.Errorf("restored %d rows of %d, reached %q\n%s", rows, n-2, rep.Reached.GTID, out)
	}
}

func countSegments(t *testing.T, st backup.Store) int {
	t.Helper()
	segs, _, err := pitr.LoadIndex(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return len(segs)
}

func waitSegments(t *testing.T, st backup.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for countSegments(t, st) < n {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d segments after 60 s", n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func waitArchived(t *testing.T, st backup.Store, pos string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		segs, _, err := pitr.LoadIndex(context.Background(), st)
		if err != nil {
			t.Fatal(err)
		}
		if len(segs) > 0 && segs[len(segs)-1].EndSet == pos {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the archive did not reach %s in 60 s", pos)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// archivedGTIDs reads every segment of the chain (checksums verified) and lists its transactions' GTIDs.
func archivedGTIDs(t *testing.T, st backup.Store) []string {
	t.Helper()
	ctx := context.Background()
	segs, present, err := pitr.LoadIndex(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if chain := pitr.Analyze(segs, present); len(chain.Gaps) > 0 {
		t.Fatalf("gaps: %v", chain.Gaps)
	}
	var out []string
	for _, s := range segs {
		b, err := backup.ReadVerified(ctx, st, pitr.SegmentKey(s.Seq), s.Size, s.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		txns, err := binlog.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(txns) != s.Transactions || txns[0].GTID.String() != s.FirstGTID {
			t.Fatalf("segment %d: %d transactions from %s, index says %d from %s", s.Seq, len(txns), txns[0].GTID,
				s.Transactions, s.FirstGTID)
		}
		for _, txn := range txns {
			out = append(out, txn.GTID.String())
		}
	}
	return out
}
