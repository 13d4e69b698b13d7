package mysqlsim

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/backup/pitr"
	"github.com/orca-operator/orca/binlog"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/testutil"
)

// writer inserts k = 1, 2, ... through whichever member is the primary, once each; acked holds the keys
// whose INSERT returned OK.
type writer struct {
	sg    *simGroup
	addrs []string
	table string
	mu    sync.Mutex
	acked []int
	dbs   map[string]*sql.DB
}

func (w *writer) run(ctx context.Context, t *testing.T) {
	for k := 1; ctx.Err() == nil; k++ {
		db := w.primaryDB(t)
		if db == nil {
			time.Sleep(5 * time.Millisecond) // no primary: the group is electing one
			k--
			continue
		}
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := db.ExecContext(qctx, fmt.Sprintf("INSERT INTO %s VALUES (%d)", w.table, k))
		cancel()
		if err == nil {
			w.mu.Lock()
			w.acked = append(w.acked, k)
			w.mu.Unlock()
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (w *writer) primaryDB(t *testing.T) *sql.DB {
	for i, m := range w.sg.members {
		if m.Up() && m.Role() == RolePrimary {
			if w.dbs[w.addrs[i]] == nil {
				w.dbs[w.addrs[i]] = rootDB(t, w.addrs[i])
			}
			return w.dbs[w.addrs[i]]
		}
	}
	return nil
}

func (w *writer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// The failover test on the simulator: a 3-member group, a writer on the primary, the archiver (the
// code `orca binlog-archive` runs) following the members into versitygw. The primary crashes while both run;
// the group elects another and the archiver follows it. Afterwards the archive holds the new primary's
// gtid_executed exactly, each GTID once and in order, every acknowledged write among them once, and no
// member (the crashed one included) has a transaction the others lack.
func TestArchiverFollowsAPrimaryFailoverOnTheSimulator(t *testing.T) {
	sg, addrs := simulatedGroup(t, 3)
	table := sg.dbName + ".w"
	mustExecSim(t, rootDB(t, addrs[0]), "CREATE TABLE "+table+" (k INT PRIMARY KEY)")
	st := archiveStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sources, stopArchiver := startArchiver(t, ctx, addrs, st)
	w := &writer{sg: sg, addrs: addrs, table: table, dbs: map[string]*sql.DB{}}
	wctx, stopWriter := context.WithCancel(ctx)
	written := make(chan struct{})
	go func() { defer close(written); w.run(wctx, t) }()

	waitUntil(t, "a segment from the first primary", func() bool { return sources.last() == addrs[0] && w.count() > 20 })
	sg.members[0].Crash()
	next := waitPrimary(t, sg.members[1:])
	before := w.count()
	waitUntil(t, "writes on the new primary", func() bool { return w.count() > before+20 })
	stopWriter()
	<-written
	final := next.GTIDExecuted()
	waitUntil(t, "the archive to reach "+final.String(), func() bool { return archivedEnd(t, st) == final.String() })
	stopArchiver()
	if src, want := sources.last(), addrs[memberIndex(sg, next)]; src != want {
		t.Errorf("the last segment came from %s, want the new primary %s", src, want)
	}
	checkArchive(t, ctx, st, final, w.acked, table)
	t.Logf("%d writes acknowledged, %d before the crash; archive %s from %v", len(w.acked), before, final,
		sources.all())
	for _, m := range sg.members {
		if errant := m.GTIDExecuted().Subtract(final); !errant.IsEmpty() {
			t.Errorf("%s has errant transactions %s", m.Name(), errant)
		}
	}
}

// segmentSources records the source of each segment the archiver writes.
type segmentSources struct {
	mu   sync.Mutex
	list []string
}

func (s *segmentSources) add(seg pitr.Segment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, seg.Source)
}

func (s *segmentSources) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) == 0 {
		return ""
	}
	return s.list[len(s.list)-1]
}

func (s *segmentSources) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.list...)
}

// startArchiver runs the archiver over the members as `orca binlog-archive` does (pitr.New, Run).
func startArchiver(t *testing.T, ctx context.Context, addrs []string, st backup.Store) (*segmentSources, func()) {
	t.Helper()
	sources := &segmentSources{}
	a, err := pitr.New(pitr.Config{Sources: addrs, User: "root", Password: "rootpw", Store: st,
		SegmentInterval: 300 * time.Millisecond, Retry: 200 * time.Millisecond, Heartbeat: 200 * time.Millisecond,
		Log: logr.Discard(), OnSegment: sources.add})
	if err != nil {
		t.Fatal(err)
	}
	return sources, runArchiver(t, ctx, a)
}

// waitPrimary waits until one of the members is an online primary.
func waitPrimary(t *testing.T, members []*Member) *Member {
	t.Helper()
	var next *Member
	waitUntil(t, "a new primary", func() bool {
		for _, m := range members {
			if m.Up() && m.Role() == RolePrimary {
				next = m
				return true
			}
		}
		return false
	})
	return next
}

func archiveStore(t *testing.T) *backup.S3Store {
	t.Helper()
	s3 := peers.StartS3(t, "backups")
	st, err := backup.NewS3Store(backup.S3Config{Bucket: "backups", Prefix: "c1", Endpoint: s3.Endpoint,
		PathStyle: true, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// runArchiver runs the archiver until the returned function is called; an error other than the end of its
// context fails the test.
func runArchiver(t *testing.T, ctx context.Context, a *pitr.Archiver) func() {
	actx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(actx) }()
	var once sync.Once
	end := func() {
		once.Do(func() {
			stop()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("archiver: %v", err)
			}
		})
	}
	t.Cleanup(end)
	return end
}

func memberIndex(sg *simGroup, m *Member) int {
	for i, x := range sg.members {
		if x == m {
			return i
		}
	}
	return -1
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	testutil.Eventually(t, 60*time.Second, func() error {
		if ok() {
			return nil
		}
		return fmt.Errorf("waiting for %s", what)
	})
}

// archivedEnd is the newest segment's EndSet, in the simulator's GTID text form.
func archivedEnd(t *testing.T, st backup.Store) string {
	t.Helper()
	segs, _, err := pitr.LoadIndex(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if len(segs) == 0 {
		return ""
	}
	set, err := ParseGTIDSet(segs[len(segs)-1].EndSet)
	if err != nil {
		t.Fatal(err)
	}
	return set.String()
}

// checkArchive reads every segment (checksums verified, no gap in the chain): its GTIDs are final's, once
// each, in GTID order, and each acknowledged key's INSERT is in it exactly once.
func checkArchive(t *testing.T, ctx context.Context, st backup.Store, final GTIDSet, acked []int, table string) {
	t.Helper()
	segs, present, err := pitr.LoadIndex(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if c := pitr.Analyze(segs, present); len(c.Gaps) > 0 {
		t.Fatalf("gaps: %v", c.Gaps)
	}
	var txns []*binlog.Transaction
	for _, s := range segs {
		b, err := backup.ReadVerified(ctx, st, pitr.SegmentKey(s.Seq), s.Size, s.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		got, err := binlog.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		txns = append(txns, got...)
	}
	want := final.keys()
	if len(txns) != len(want) {
		t.Fatalf("%d transactions archived, the new primary executed %d (%s)", len(txns), len(want), final)
	}
	inserts := map[string]int{}
	for i, x := range txns {
		if g := fmt.Sprintf("%s:%d", want[i].uuid, want[i].n); x.GTID.String() != g {
			t.Fatalf("archived transaction %d is %s, want %s (gap, duplicate or disorder)", i, x.GTID, g)
		}
		for _, q := range statements(t, x) {
			inserts[q]++
		}
	}
	for _, k := range acked {
		if q := fmt.Sprintf("INSERT INTO %s VALUES (%d)", table, k); inserts[q] != 1 {
			t.Fatalf("acknowledged %q is archived %d times", q, inserts[q])
		}
	}
}
