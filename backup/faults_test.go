package backup_test

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/backup"
)

// fillMixed creates a table of small rows and one of incompressible BLOBs large enough for multipart chunks.
func fillMixed(t *testing.T, db *sql.DB) {
	t.Helper()
	mustExec(t, db, "CREATE DATABASE app",
		"CREATE TABLE app.small (id INT PRIMARY KEY, v VARCHAR(100))",
		"CREATE TABLE app.blobs (id INT PRIMARY KEY, b LONGBLOB)")
	for i := range 20 {
		mustExec(t, db, fmt.Sprintf("INSERT INTO app.small SELECT seq + %d, CONCAT('row ', seq) FROM "+
			"app.seq_1_to_1000", i*1000))
	}
	blob := make([]byte, 256<<10)
	for i := range 44 { // 11 MiB that zstd cannot shrink: a chunk of several 5 MiB parts
		_, _ = rand.Read(blob)
		if _, err := db.Exec("INSERT INTO app.blobs VALUES (?, ?)", i, blob); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, db, "ANALYZE TABLE app.small, app.blobs")
}

// sourceUnchanged checks that no lock is left: DDL and writes go through at once.
func sourceUnchanged(t *testing.T, db *sql.DB) {
	t.Helper()
	c, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	for _, s := range []string{"SET SESSION lock_wait_timeout = 5", "CREATE TABLE app.after_backup (id INT)",
		"INSERT INTO app.after_backup VALUES (1)", "DROP TABLE app.after_backup"} {
		if _, err := c.ExecContext(t.Context(), s); err != nil {
			t.Fatalf("source changed by the backup: %s: %v", s, err)
		}
	}
}

func tuneForFaults(c *backup.S3Config) {
	c.PartSize = 5 << 20
	c.RequestTimeout = 2 * time.Second
	c.MaxBackoff = 200 * time.Millisecond
}

func TestFaultsBetweenOrcaAndS3AreRetried(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	r := newRig(t)
	src, dst, s3, srcDB := r.src, r.dst, r.s3, r.srcDB
	fillMixed(t, srcDB)
	// Every third request fails: 500, SlowDown, reset, a stall past the request timeout, a body cut short.
	faults := []fault{internalError, slowDown, reset, stall, resetMidBody}
	proxy := startFaultProxy(t, s3.Endpoint, 10*time.Second, func(n int64, r *http.Request) fault {
		if n%3 != 1 {
			return pass
		}
		f := faults[(n/3)%int64(len(faults))]
		if f == resetMidBody && r.Method != http.MethodGet {
			return reset
		}
		return f
	})
	st := s3Store(t, s3, proxy.URL, "faulty/b1", tuneForFaults)
	m, err := backup.Dump(ctx, backup.DumpOptions{Source: server(src), Store: st, ID: "b1", Threads: 3,
		ChunkBytes: 256 << 10})
	if err != nil {
		t.Fatalf("dump through faults: %v", err)
	}
	if len(findTable(t, m, "app", "blobs").Chunks) == 0 {
		t.Fatal("no blob chunks")
	}
	sourceUnchanged(t, srcDB)
	if _, err := backup.Restore(ctx, backup.RestoreOptions{Target: server(dst), Store: st, Threads: 3}); err != nil {
		t.Fatalf("restore through faults: %v", err)
	}
	compareChecksums(t, checksums(t, srcDB), checksums(t, openDB(t, dst)))
	for _, f := range faults {
		if proxy.injected(f) == 0 {
			t.Errorf("fault %d was never injected", f)
		}
	}
	direct := s3Store(t, s3, s3.Endpoint, "faulty/b1", nil)
	if n, err := direct.AbortUploads(ctx, ""); err != nil || n != 0 {
		t.Fatalf("%d multipart uploads left behind (%v)", n, err)
	}
}

func TestAbandonedBackupIsNeverComplete(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	r := newRig(t)
	src, dst, s3, srcDB := r.src, r.dst, r.s3, r.srcDB
	fillMixed(t, srcDB)
	// The store goes away for good after a few requests, in the middle of the multipart uploads.
	proxy := startFaultProxy(t, s3.Endpoint, 0, func(n int64, r *http.Request) fault {
		if n > 12 {
			return internalError
		}
		return pass
	})
	st := s3Store(t, s3, proxy.URL, "dead/b1", func(c *backup.S3Config) { tuneForFaults(c); c.MaxAttempts = 3 })
	_, err := backup.Dump(ctx, backup.DumpOptions{Source: server(src), Store: st, ID: "b1", Threads: 2,
		ChunkBytes: 256 << 10})
	if err == nil {
		t.Fatal("dump succeeded with a dead store")
	}
	if !strings.Contains(err.Error(), "InternalError") && !strings.Contains(err.Error(), "500") {
		t.Errorf("error does not say what failed: %v", err)
	}
	sourceUnchanged(t, srcDB)
	direct := s3Store(t, s3, s3.Endpoint, "dead/b1", nil)
	if _, err := backup.LoadManifest(ctx, direct); !errors.Is(err, backup.ErrIncomplete) {
		t.Fatalf("abandoned backup: LoadManifest = %v, want ErrIncomplete", err)
	}
	_, err = backup.Restore(ctx, backup.RestoreOptions{Target: server(dst), Store: direct})
	if !errors.Is(err, backup.ErrIncomplete) {
		t.Fatalf("restore of an abandoned backup: %v, want ErrIncomplete", err)
	}
	// The dump could not clean up through the dead store: a new attempt at the location does.
	d2 := s3Store(t, s3, s3.Endpoint, "dead/b1", tuneForFaults)
	if _, err := backup.Dump(ctx, backup.DumpOptions{Source: server(src), Store: d2, ID: "b1"}); err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	if n, err := direct.AbortUploads(ctx, ""); err != nil || n != 0 {
		t.Fatalf("%d multipart uploads left behind (%v)", n, err)
	}
	if _, err := backup.Dump(ctx, backup.DumpOptions{Source: server(src), Store: d2, ID: "b1"}); !errors.Is(err,
		backup.ErrExists) {
		t.Fatalf("dump over a complete backup: %v, want ErrExists", err)
	}
}

func TestCorruptChunkIsRefusedByName(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	r := newRig(t)
	src, dst, s3, srcDB := r.src, r.dst, r.s3, r.srcDB
	mustExec(t, srcDB, "CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v TEXT)",
		"INSERT INTO app.t SELECT seq, REPEAT('x', seq % 100) FROM app.seq_1_to_5000")
	st := s3Store(t, s3, s3.Endpoint, "corrupt/b1", nil)
	m, err := backup.Dump(ctx, backup.DumpOptions{Source: server(src), Store: st, ID: "b1", Threads: 1,
		ChunkBytes: 32 << 10})
	if err != nil {
		t.Fatal(err)
	}
	chunks := findTable(t, m, "app", "t").Chunks
	victim := chunks[len(chunks)-1].Key
	path := filepath.Join(s3.Dir, "backups", "corrupt", "b1", victim)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01 // one flipped bit
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = backup.Restore(ctx, backup.RestoreOptions{Target: server(dst), Store: st, Threads: 1})
	if !errors.Is(err, backup.ErrCorrupt) || !strings.Contains(err.Error(), victim) {
		t.Fatalf("restore of a corrupt chunk: %v, want ErrCorrupt naming %s", err, victim)
	}
	if key, ok := backup.CorruptObject(err); !ok || key != victim {
		t.Fatalf("CorruptObject(%v) = %q, %v; want %s", err, key, ok, victim)
	}
}
