package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// DumpOptions configure one backup. Zero values take the documented defaults.
type DumpOptions struct {
	// Source is the server to back up (a secondary in a cluster).
	Source Server
	// Store is the backup's own location: the manifest and chunks go at its root.
	Store Store
	// ID names the backup in the manifest (the location's last path element by convention).
	ID string
	// Threads is the number of dump workers, each with its own snapshot connection. Default 4.
	Threads int
	// CompressionLevel is zstd's level (1 fastest .. 19); default 3.
	CompressionLevel int
	// Databases limits the dump to these databases; empty means all but the system ones.
	Databases []string
	// Users includes accounts and their grants (CREATE USER, GRANT), system accounts excepted.
	Users bool
	// ChunkBytes is the SQL size at which a chunk object is cut. Default DefaultChunkBytes.
	ChunkBytes int64
	// StatementBytes is the size at which an INSERT is cut. Default DefaultStatementBytes.
	StatementBytes int
	// LockWaitTimeout bounds, in seconds, the wait for the global lock (behind long statements). Default 30.
	LockWaitTimeout int
	// Log receives progress; the zero Logger discards.
	Log logr.Logger
}

func (o DumpOptions) withDefaults() DumpOptions {
	if o.Threads <= 0 {
		o.Threads = 4
	}
	if o.CompressionLevel <= 0 {
		o.CompressionLevel = 3
	}
	if o.ChunkBytes <= 0 {
		o.ChunkBytes = DefaultChunkBytes
	}
	if o.StatementBytes <= 0 {
		o.StatementBytes = DefaultStatementBytes
	}
	if o.LockWaitTimeout <= 0 {
		o.LockWaitTimeout = 30
	}
	return o
}

// ErrExists is returned when the location already holds a complete backup: it is never overwritten.
var ErrExists = errors.New("a complete backup already exists at this location")

// Dump takes a consistent backup of the source into the store and returns its manifest, written last. A
// failed dump deletes what it uploaded and aborts its multipart uploads; it never writes a manifest.
func Dump(ctx context.Context, o DumpOptions) (*Manifest, error) {
	o = o.withDefaults()
	if err := checkFreshLocation(ctx, o.Store); err != nil {
		return nil, err
	}
	m, err := dump(ctx, o)
	if err != nil {
		cleanupFailedDump(o)
		return nil, err
	}
	return m, nil
}

func checkFreshLocation(ctx context.Context, st Store) error {
	rc, err := st.Open(ctx, ManifestKey)
	if err == nil {
		_ = rc.Close()
		return ErrExists
	}
	if !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("check the location: %w", err)
	}
	// Leftovers of a killed attempt at this location.
	if _, err := st.AbortUploads(ctx, ""); err != nil {
		return err
	}
	return nil
}

func cleanupFailedDump(o DumpOptions) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := o.Store.AbortUploads(ctx, ""); err != nil {
		o.Log.Error(err, "abort the failed backup's uploads")
	}
	keys, err := o.Store.List(ctx, "data/")
	if err == nil {
		err = o.Store.Delete(ctx, keys...)
	}
	if err != nil {
		o.Log.Error(err, "delete the failed backup's chunks")
	}
}

func dump(ctx context.Context, o DumpOptions) (*Manifest, error) {
	db, err := o.Source.open(o.Threads + 2)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	m := &Manifest{FormatVersion: FormatVersion, ID: o.ID, StartedAt: time.Now().UTC(), Compression: "zstd"}
	version, f, err := serverVersion(ctx, db)
	if err != nil {
		return nil, err
	}
	m.Server = version
	snap, err := openSnapshot(ctx, db, o.Threads, f, o.LockWaitTimeout)
	if err != nil {
		return nil, err
	}
	defer snap.close()
	m.Position = snap.position
	o.Log.Info("snapshot open", "gtidSet", m.Position.GTIDSet, "binlogFile", m.Position.BinlogFile,
		"binlogPos", m.Position.BinlogPos)
	if err := dumpSnapshot(ctx, o, snap, m); err != nil {
		return nil, err
	}
	m.CompletedAt = time.Now().UTC()
	m.FormatVersion = m.formatVersion()
	return m, writeManifest(ctx, o.Store, m)
}

func dumpSnapshot(ctx context.Context, o DumpOptions, snap *snapshot, m *Manifest) error {
	dbs, tables, err := readSchema(ctx, snap.conns[0], o.Databases)
	if err != nil {
		return err
	}
	m.Databases = dbs
	if o.Users {
		if m.Users, err = readUsers(ctx, snap.conns[0]); err != nil {
			return err
		}
	}
	tasks, err := planTasks(ctx, snap.conns[0], tables, o.ChunkBytes)
	if err != nil {
		return err
	}
	results, err := runScans(ctx, o, snap.conns, tables, tasks)
	if err != nil {
		return err
	}
	for i := range tables {
		t := tables[i].Table
		t.Chunks = results[i]
		sort.Slice(t.Chunks, func(a, b int) bool { return t.Chunks[a].Key < t.Chunks[b].Key })
		for _, c := range t.Chunks {
			t.Rows += c.Rows
		}
		m.Tables = append(m.Tables, t)
	}
	return nil
}

// scanTask is one SELECT of a table: the whole table or one key range.
type scanTask struct {
	table, part int
	where       string
	weight      int64
}

// planTasks splits tables with an integer primary key by its range in the snapshot; others are one scan each.
// The largest scans come first so that workers finish together.
func planTasks(ctx context.Context, c *sql.Conn, tables []tableInfo, target int64) ([]scanTask, error) {
	var tasks []scanTask
	for i, t := range tables {
		ranges := []keyRange{{}}
		if t.pkNumeric && t.estRows*max(t.avgRow, 1) > target {
			lo, hi, ok, err := keyBounds(ctx, c, &t)
			if err != nil {
				return nil, err
			}
			if ok {
				ranges = splitRange(lo, hi, t.pkUnsigned, t.estRows, t.avgRow, target)
			}
		}
		for p, r := range ranges {
			col := ""
			if len(t.pk) > 0 {
				col = t.pk[0]
			}
			tasks = append(tasks, scanTask{table: i, part: p, where: r.where(col),
				weight: t.estRows * max(t.avgRow, 1) / int64(len(ranges))})
		}
	}
	sort.SliceStable(tasks, func(a, b int) bool { return tasks[a].weight > tasks[b].weight })
	return tasks, nil
}

// keyBounds reads the first key column's MIN and MAX in the snapshot as ordinals (see keyRange); ok is false
// for an empty table.
func keyBounds(ctx context.Context, c *sql.Conn, t *tableInfo) (lo, hi uint64, ok bool, err error) {
	var minV, maxV sql.NullString
	q := fmt.Sprintf("SELECT MIN(%[1]s), MAX(%[1]s) FROM %s.%s", quoteIdent(t.pk[0]), quoteIdent(t.Database),
		quoteIdent(t.Name))
	if err := c.QueryRowContext(ctx, q).Scan(&minV, &maxV); err != nil {
		return 0, 0, false, fmt.Errorf("key range of %s.%s: %w", t.Database, t.Name, err)
	}
	if !minV.Valid || !maxV.Valid {
		return 0, 0, false, nil
	}
	parse := func(s string) (uint64, error) {
		if t.pkUnsigned {
			return strconv.ParseUint(s, 10, 64)
		}
		v, err := strconv.ParseInt(s, 10, 64)
		return signedOrdinal(v), err
	}
	if lo, err = parse(minV.String); err == nil {
		hi, err = parse(maxV.String)
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("key range of %s.%s: %w", t.Database, t.Name, err)
	}
	return lo, hi, true, nil
}

// runScans runs the tasks on one worker per snapshot connection and returns each table's chunks.
func runScans(ctx context.Context, o DumpOptions, conns []*sql.Conn, tables []tableInfo,
	tasks []scanTask) ([][]Chunk, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := make(chan scanTask)
	results := make([][]Chunk, len(tables))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range conns {
		w, err := newDumpWorker(o, c)
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			defer w.close()
			for t := range queue {
				chunks, err := w.scan(ctx, &tables[t.table], t)
				if err != nil {
					cancel(err)
					return
				}
				mu.Lock()
				results[t.table] = append(results[t.table], chunks...)
				mu.Unlock()
			}
		})
	}
	feed(ctx, queue, tasks)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return results, nil
}

// feed sends the items to queue until they run out or ctx ends, then closes it.
func feed[T any](ctx context.Context, queue chan<- T, tasks []T) {
	defer close(queue)
	for _, t := range tasks {
		select {
		case queue <- t:
		case <-ctx.Done():
			return
		}
	}
}

func writeManifest(ctx context.Context, st Store, m *Manifest) error {
	b, err := m.Encode()
	if err != nil {
		return err
	}
	w, err := st.Create(ctx, ManifestKey)
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		_ = w.Abort()
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}
