package backup_test

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"github.com/orca-operator/orca/backup"
)

// killingStore cancels the restore (as a kill would: connections drop, open transactions roll back) when the
// n-th chunk is fetched.
type killingStore struct {
	backup.Store
	opens  atomic.Int64
	killAt int64
	kill   context.CancelFunc
}

func (k *killingStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if key != backup.ManifestKey && k.opens.Add(1) == k.killAt {
		k.kill()
	}
	return k.Store.Open(ctx, key)
}

func TestKilledRestoreResumes(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	r := newRig(t)
	src, dst, s3, srcDB := r.src, r.dst, r.s3, r.srcDB
	mustExec(t, srcDB, roundTripSchema...)
	fillRoundTrip(t, srcDB)
	st := s3Store(t, s3, s3.Endpoint, "resume/b1", nil)
	m, err := backup.Dump(ctx, backup.DumpOptions{Source: server(src), Store: st, ID: "b1", Threads: 2,
		ChunkBytes: 64 << 10, StatementBytes: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, tb := range m.Tables {
		total += len(tb.Chunks)
	}
	const threads = 2
	killCtx, kill := context.WithCancel(ctx)
	ks := &killingStore{Store: st, killAt: int64(total / 2), kill: kill}
	_, err = backup.Restore(killCtx, backup.RestoreOptions{Target: server(dst), Store: ks, Threads: threads})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("killed restore: %v", err)
	}
	// The killed run created shop.keyed without its plain keys; one of them built as by a run killed after
	// its ALTER TABLE and before the record: the resumed run adds the others and the table ends up the source's.
	dstDB := openDB(t, dst)
	if got := queryRows(t, dstDB, "SELECT DISTINCT TABLE_NAME, INDEX_NAME, '' FROM information_schema.STATISTICS "+
		"WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'keyed' ORDER BY 2"); got != "keyed.PRIMARY: \nkeyed.u_b: \n" {
		t.Fatalf("keys of shop.keyed while its rows load:\n%s", got)
	}
	mustExec(t, dstDB, "ALTER TABLE shop.keyed ADD KEY k_a (a)")
	res, err := backup.Restore(ctx, backup.RestoreOptions{Target: server(dst), Store: st, Threads: threads})
	if err != nil {
		t.Fatalf("resumed restore: %v", err)
	}
	// Fetched before the kill: killAt-1 chunks. At most one in flight per worker was lost with it (its rows
	// rolled back), and the chunks read ahead (one per prefetcher, (threads+1)/2) are read again.
	if res.Loaded+res.Skipped != total || res.Skipped < total/2-1-threads-(threads+1)/2 || res.Skipped == 0 {
		t.Fatalf("resume loaded %d and skipped %d of %d chunks", res.Loaded, res.Skipped, total)
	}
	compareChecksums(t, checksums(t, srcDB), checksums(t, dstDB))
	compareObjects(t, srcDB, dstDB)
	compareTables(t, srcDB, dstDB)
}
