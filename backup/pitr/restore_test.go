package pitr_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/backup/pitr"
	"github.com/orca-operator/orca/test/peers"
)

// writer inserts a row every 100 ms and remembers each row's GTID, until stopped or the source dies.
type writer struct {
	db   *sql.DB
	mu   sync.Mutex
	ids  []int64
	gtid map[string]int64
	done chan struct{}
	stop chan struct{}
}

func startWriter(db *sql.DB) *writer {
	w := &writer{db: db, gtid: map[string]int64{}, done: make(chan struct{}), stop: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			id, gtid, err := w.insert()
			if err != nil {
				return // the source was killed
			}
			w.mu.Lock()
			w.ids, w.gtid[gtid] = append(w.ids, id), id
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *writer) insert() (int64, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := w.db.Conn(ctx)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = c.Close() }()
	res, err := c.ExecContext(ctx, "INSERT INTO app.w () VALUES ()")
	if err != nil {
		return 0, "", err
	}
	id, _ := res.LastInsertId()
	var gtid string
	err = c.QueryRowContext(ctx, "SELECT @@last_gtid").Scan(&gtid)
	return id, gtid, err
}

func (w *writer) committed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.ids)
}

func mustExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
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

func storeAt(t *testing.T, s3 *peers.S3, prefix string) *backup.S3Store {
	t.Helper()
	st, err := backup.NewS3Store(backup.S3Config{Bucket: "backups", Prefix: prefix, Endpoint: s3.Endpoint,
		PathStyle: true, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// restoreTo restores the base backup into a fresh server and replays the archive to the point.
func restoreTo(t *testing.T, ctx context.Context, st *backup.S3Store, m *backup.Manifest, point string) (*sql.DB,
	pitr.Reached) {
	t.Helper()
	p, err := pitr.ParsePoint(point)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := pitr.Check(ctx, st, m.Position.GTIDSet, p)
	if err != nil {
		t.Fatalf("check %s: %v", point, err)
	}
	dst := peers.StartMariaDB(t)
	target := backup.Server{Addr: dst.Addr, User: "root"}
	if _, err := backup.Restore(ctx, backup.RestoreOptions{Target: target, Store: st.Sub("base")}); err != nil {
		t.Fatal(err)
	}
	reached, err := pitr.Replay(ctx, pitr.ReplayOptions{Store: st, Plan: plan, Target: target})
	if err != nil {
		t.Fatalf("replay to %s: %v", point, err)
	}
	return openDB(t, dst), reached
}

func count(t *testing.T, db *sql.DB, where string) (n int64, maxID int64) {
	t.Helper()
	var max sql.NullInt64
	if err := db.QueryRow("SELECT COUNT(*), MAX(id) FROM app.w WHERE "+where).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	return n, max.Int64
}

// A writer inserts a row every 100 ms; a base backup is taken while it writes; the archiver follows; the source
// is killed. Restores to latest, to a time and to a GTID, then a deleted segment refused before any restore.
func TestRestoreToPointsAfterTheSourceIsKilled(t *testing.T) {
	t.Parallel() // mostly waits on the writer and the servers: overlaps the failover test
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	src := peers.StartMariaDB(t, "--log-bin=binlog", "--server-id=1", "--binlog-format=ROW")
	s3 := peers.StartS3(t, "backups")
	db := openDB(t, src)
	mustExec(t, db, "CREATE DATABASE app",
		"CREATE TABLE app.w (id INT AUTO_INCREMENT PRIMARY KEY, at DATETIME(6) NOT NULL DEFAULT NOW(6))")
	st := storeAt(t, s3, "c1")
	archiver, err := pitr.New(pitr.Config{Sources: []string{src.Addr}, User: "root", Store: st,
		SegmentInterval: time.Second, Retry: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond,
		Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	actx, stopArchiver := context.WithCancel(ctx)
	archived := make(chan error, 1)
	go func() { archived <- archiver.Run(actx) }()
	w := startWriter(db)
	time.Sleep(1500 * time.Millisecond)
	m, err := backup.Dump(ctx, backup.DumpOptions{Source: backup.Server{Addr: src.Addr, User: "root"},
		Store: st.Sub("base"), ID: "base"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	// T: a whole second well inside the archive, after the backup.
	cut := time.Now().UTC().Add(-1500 * time.Millisecond).Truncate(time.Second)
	time.Sleep(2 * time.Second)
	var beforeCut int64
	if err := db.QueryRow("SELECT COUNT(*) FROM app.w WHERE at < ?", cut.Format("2006-01-02 15:04:05.999999")).
		Scan(&beforeCut); err != nil {
		t.Fatal(err)
	}
	src.Stop() // SIGKILL
	<-w.done
	time.Sleep(2 * time.Second) // the archiver uploads what it holds and keeps retrying the dead source
	stopArchiver()
	if err := <-archived; !errors.Is(err, context.Canceled) {
		t.Fatalf("archiver: %v", err)
	}
	committed := w.committed()
	t.Logf("%d rows committed, %d before %s, backup at %s", committed, beforeCut, cut, m.Position.GTIDSet)

	latest, reached := restoreTo(t, ctx, st, m, "latest")
	// A commit whose reply the kill cut off may be on the source without the writer knowing: one row more.
	if n, _ := count(t, latest, "1"); int64(committed)-n > 50 || n > int64(committed)+1 {
		t.Errorf("restore to latest has %d rows of %d committed (more than 5 s lost)", n, committed)
	}
	t.Logf("latest: reached %s at %s", reached.GTID, reached.Time)

	atCut, reached := restoreTo(t, ctx, st, m, cut.Format(time.RFC3339))
	if n, _ := count(t, atCut, "1"); n != beforeCut {
		t.Errorf("restore to %s has %d rows, %d were committed before it", cut, n, beforeCut)
	}
	if !reached.Time.Before(cut) {
		t.Errorf("reached %s at %s, not before %s", reached.GTID, reached.Time, cut)
	}

	var gtid string
	var wantID int64
	w.mu.Lock()
	wantID = w.ids[len(w.ids)*3/4]
	for g, id := range w.gtid {
		if id == wantID {
			gtid = g
		}
	}
	w.mu.Unlock()
	atGTID, reached := restoreTo(t, ctx, st, m, gtid)
	if n, maxID := count(t, atGTID, "1"); maxID != wantID || n != wantID {
		t.Errorf("restore to %s: %d rows up to id %d, want up to %d", gtid, n, maxID, wantID)
	}
	if reached.GTID != gtid {
		t.Errorf("reached %s, want %s", reached.GTID, gtid)
	}

	segs, _, err := pitr.LoadIndex(ctx, st)
	if err != nil || len(segs) < 4 {
		t.Fatalf("%d segments, %v", len(segs), err)
	}
	gone := segs[len(segs)-2]
	if err := st.Delete(ctx, pitr.SegmentKey(gone.Seq)); err != nil {
		t.Fatal(err)
	}
	if _, err := pitr.Check(ctx, st, m.Position.GTIDSet, pitr.Point{Latest: true}); !errors.Is(err, pitr.ErrGap) {
		t.Fatalf("check with segment %d deleted: %v, want ErrGap", gone.Seq, err)
	} else {
		t.Log(err)
	}
	checkHealthAfterDelete(t, ctx, st, gone.Seq)
}

// The chain's health, as the cluster status shows it, reports the deleted segment from the archive and the
// heartbeat alone: no restore is tried.
func checkHealthAfterDelete(t *testing.T, ctx context.Context, st backup.Store, gone uint64) {
	t.Helper()
	hb, err := pitr.LoadHeartbeat(ctx, st)
	if err != nil || hb == nil {
		t.Fatalf("heartbeat %+v, %v", hb, err)
	}
	if hb.Following || hb.Error == "" || hb.BinlogExpireSeconds == nil {
		t.Errorf("heartbeat after the source was killed: %+v", hb)
	}
	segs, present, err := pitr.LoadIndex(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	h := pitr.Judge(pitr.Analyze(segs, present), hb, time.Now(), time.Hour)
	if h.Healthy || h.Reason != pitr.HealthReason(pitr.GapSegmentMissing) ||
		!strings.Contains(h.Message, fmt.Sprintf("segment %d ", gone)) {
		t.Errorf("health with segment %d deleted: %+v", gone, h)
	}
}
