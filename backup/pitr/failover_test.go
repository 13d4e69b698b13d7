package pitr_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/backup/pitr"
	"github.com/orca-operator/orca/binlog"
	"github.com/orca-operator/orca/test/peers"
)

// writeFor inserts a row every 50 ms into db for d.
func writeFor(t *testing.T, db *sql.DB, d time.Duration) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		mustExec(t, db, "INSERT INTO app.w () VALUES ()")
	}
}

func gtidPos(t *testing.T, db *sql.DB) string {
	t.Helper()
	var pos string
	if err := db.QueryRow("SELECT @@global.gtid_binlog_pos").Scan(&pos); err != nil {
		t.Fatal(err)
	}
	return pos
}

// The primary fails over while the archiver follows it: MariaDB primary A with a replica B (log_slave_updates),
// a writer on A, B caught up (as a Group Replication election picks a member with every certified
// transaction), A killed, B promoted and written to. The archiver moves to B and the archive holds every
// transaction of A and then of B exactly once, in order, without a gap.
func TestArchiverFollowsAFailover(t *testing.T) {
	t.Parallel() // mostly waits on servers: overlaps the restore test
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a := peers.StartMariaDB(t, "--log-bin=binlog", "--server-id=1", "--binlog-format=ROW")
	b := peers.StartMariaDB(t, "--log-bin=binlog", "--server-id=2", "--binlog-format=ROW", "--log-slave-updates",
		"--read-only")
	s3 := peers.StartS3(t, "backups")
	dbA, dbB := openDB(t, a), openDB(t, b)
	mustExec(t, dbB, "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT="+strconv.Itoa(a.Port)+
		", MASTER_USER='root', MASTER_USE_GTID=slave_pos", "START SLAVE")
	mustExec(t, dbA, "CREATE DATABASE app",
		"CREATE TABLE app.w (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME(6) NOT NULL DEFAULT NOW(6))")
	st := storeAt(t, s3, "c1")
	var following atomic.Value
	archiver, err := pitr.New(pitr.Config{Sources: []string{a.Addr, b.Addr}, User: "root", Store: st,
		SegmentInterval: 500 * time.Millisecond, Retry: 200 * time.Millisecond, Log: logr.Discard(),
		OnSegment: func(s pitr.Segment) { following.Store(s.Source) }})
	if err != nil {
		t.Fatal(err)
	}
	actx, stop := context.WithCancel(ctx)
	archived := make(chan error, 1)
	go func() { archived <- archiver.Run(actx) }()
	defer func() {
		stop()
		if err := <-archived; err != nil && ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			t.Errorf("archiver: %v", err)
		}
	}()

	writeFor(t, dbA, time.Second)
	posA := gtidPos(t, dbA)
	var waited int
	if err := dbB.QueryRow("SELECT MASTER_GTID_WAIT(?, 30)", posA).Scan(&waited); err != nil || waited != 0 {
		t.Fatalf("replica B did not reach %s: %d, %v", posA, waited, err)
	}
	waitFor(t, "the archive to reach A's "+posA, func() bool { return archivedThrough(t, st) == posA })
	a.Stop() // SIGKILL: the primary fails
	mustExec(t, dbB, "STOP SLAVE", "RESET SLAVE ALL", "SET GLOBAL read_only = 0")
	writeFor(t, dbB, time.Second)
	posB := gtidPos(t, dbB)
	waitFor(t, "the archive to reach B's "+posB, func() bool { return archivedThrough(t, st) == posB })
	if src, _ := following.Load().(string); src != b.Addr {
		t.Errorf("the last segment came from %s, want the new primary %s", src, b.Addr)
	}

	var nA, nB int
	if _, err := fmt.Sscanf(posA, "0-1-%d", &nA); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Sscanf(posB, "0-2-%d", &nB); err != nil {
		t.Fatal(err)
	}
	gtids := chainGTIDs(t, ctx, st)
	if len(gtids) != nB {
		t.Fatalf("%d transactions archived, A logged %d and B %d more", len(gtids), nA, nB-nA)
	}
	for i, g := range gtids {
		server := 1
		if i >= nA {
			server = 2
		}
		if want := fmt.Sprintf("0-%d-%d", server, i+1); g != want {
			t.Fatalf("transaction %d of the archive is %s, want %s (gap or duplicate)", i, g, want)
		}
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 60 s for %s", what)
		}
	}
}

func archivedThrough(t *testing.T, st backup.Store) string {
	t.Helper()
	segs, _, err := pitr.LoadIndex(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) == 0 {
		return ""
	}
	return segs[len(segs)-1].EndSet
}

// chainGTIDs reads every segment (checksums verified) of a chain without gaps and lists its GTIDs.
func chainGTIDs(t *testing.T, ctx context.Context, st backup.Store) []string {
	t.Helper()
	segs, present, err := pitr.LoadIndex(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if c := pitr.Analyze(segs, present); len(c.Gaps) > 0 {
		t.Fatalf("gaps: %v", c.Gaps)
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
		for _, x := range txns {
			out = append(out, x.GTID.String())
		}
	}
	return out
}
