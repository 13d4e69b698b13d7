package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/go-logr/logr"
)

// ErrIncomplete is returned for a location without a manifest: the backup never finished.
var ErrIncomplete = errors.New("backup is incomplete (no manifest)")

// ErrTargetNotEmpty is returned when a table of the backup already exists in the target and no interrupted
// restore of this backup is recorded there: a restore never overwrites data it did not write.
var ErrTargetNotEmpty = errors.New("target already holds a table of the backup")

// RestoreOptions configure one restore.
type RestoreOptions struct {
	// Target is the server to load into (empty, or holding an interrupted restore of the same backup).
	Target Server
	// Store is the backup's location.
	Store Store
	// Threads is the number of loading workers. Default 4.
	Threads int
	// Users applies the backup's accounts and grants, when it has them.
	Users bool
	// SetGTIDPurged records the backup's GTID set on the target once the data is in, as a server that had
	// executed those transactions (MySQL: appended to gtid_purged; MariaDB: gtid_slave_pos), so replication
	// from the source and a binary log replay after the backup skip what the dump holds. A MySQL target that
	// executed part of the set already is refused before anything is loaded (ErrGTIDConflict).
	SetGTIDPurged bool
	// Log receives progress; the zero Logger discards.
	Log logr.Logger
}

// RestoreResult says what a restore did.
type RestoreResult struct {
	Manifest *Manifest
	// Loaded chunks in this run, and chunks skipped because an earlier, interrupted run had loaded them.
	Loaded, Skipped int
	// Rows loaded in this run.
	Rows int64
}

// LoadManifest reads and validates a backup's manifest: ErrIncomplete without one, ErrCorrupt for bad bytes.
func LoadManifest(ctx context.Context, st Store) (*Manifest, error) {
	rc, err := st.Open(ctx, ManifestKey)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: %s missing", ErrIncomplete, ManifestKey)
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	m, err := ParseManifest(b)
	return m, nameCorrupt(ManifestKey, err)
}

// Restore loads a backup. Each chunk is verified before use and committed together with its progress record,
// so a killed restore, run again with the same options, skips what was committed and loses at most the
// chunks in flight. The progress database is dropped when the restore completes.
func Restore(ctx context.Context, o RestoreOptions) (*RestoreResult, error) {
	if o.Threads <= 0 {
		o.Threads = 4
	}
	m, err := LoadManifest(ctx, o.Store)
	if err != nil {
		return nil, err
	}
	db, err := o.Target.open(o.Threads + 1)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	admin, err := restoreConn(ctx, db)
	if err != nil {
		return nil, err
	}
	defer func() { _ = admin.Close() }()
	if o.SetGTIDPurged {
		if _, _, err := gtidPlan(ctx, admin, m); err != nil {
			return nil, err
		}
	}
	prog, err := openProgress(ctx, admin, m)
	if err != nil {
		return nil, err
	}
	res := &RestoreResult{Manifest: m}
	plans := keyPlans(m)
	if err := restoreTables(ctx, admin, prog, m, plans); err != nil {
		return nil, err
	}
	if err := restoreData(ctx, o, db, prog, m, res); err != nil {
		return nil, err
	}
	if err := restoreKeys(ctx, db, o.Threads, prog, m, plans); err != nil {
		return nil, err
	}
	if err := restoreObjects(ctx, admin, prog, m, o.Users); err != nil {
		return nil, err
	}
	if o.SetGTIDPurged {
		if err := setGTIDs(ctx, admin, m); err != nil {
			return nil, err
		}
	}
	return res, prog.finish(ctx, admin)
}

// setGTIDs plans again (a resumed run may have recorded the set already) and records the set.
func setGTIDs(ctx context.Context, c *sql.Conn, m *Manifest) error {
	step, lit, err := gtidPlan(ctx, c, m)
	if err != nil {
		return err
	}
	return recordGTIDs(ctx, c, step, lit)
}

// restoreSession is every restore connection's session: the dump's literals mean the same, keys and foreign
// keys are not checked row by row (the data was consistent at the source).
var restoreSession = []string{
	"SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'",
	"SET SESSION time_zone = '+00:00'",
	"SET SESSION foreign_key_checks = 0",
	"SET SESSION unique_checks = 0",
}

func restoreConn(ctx context.Context, db *sql.DB) (*sql.Conn, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to the target: %w", err)
	}
	if err := execAll(ctx, c, restoreSession...); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// restoreData loads the chunks not yet recorded, on Threads workers, their objects read ahead by prefetch.
func restoreData(ctx context.Context, o RestoreOptions, db *sql.DB, prog *progress, m *Manifest,
	res *RestoreResult) error {
	jobs, skipped := loadOrder(m, prog.done)
	res.Skipped = skipped
	var mu sync.Mutex
	load := func(ctx context.Context, c *sql.Conn, f fetchedChunk) error {
		if err := loadChunk(ctx, c, prog, f); err != nil {
			return err
		}
		mu.Lock()
		res.Loaded, res.Rows = res.Loaded+1, res.Rows+f.c.Rows
		mu.Unlock()
		return nil
	}
	return onWorkers(ctx, db, min(o.Threads, len(jobs)), prefetch(o.Store, jobs, prefetchers(o.Threads)), load)
}

// chunkJob is one chunk to load and its table.
type chunkJob struct {
	t *Table
	c Chunk
}

// loadOrder lists the chunks not loaded yet, round-robin over the tables (every table's first chunk, then every
// second one...), so that the workers load different tables at once rather than contend for one table's
// index (and MariaDB's bulk insert into an empty table, which locks it, is taken by every table's first chunk at
// once). It also counts the chunks done before.
func loadOrder(m *Manifest, done func(key string) bool) (jobs []chunkJob, skipped int) {
	for round := 0; ; round++ {
		more := false
		for i := range m.Tables {
			t := &m.Tables[i]
			if round >= len(t.Chunks) {
				continue
			}
			more = true
			if c := t.Chunks[round]; done(c.Key) {
				skipped++
			} else {
				jobs = append(jobs, chunkJob{t, c})
			}
		}
		if !more {
			return jobs, skipped
		}
	}
}

// loadChunk runs a verified chunk's statements and records it in one transaction. A corruption found in it
// (by prefetch's checks or while loading) is a CorruptObjectError naming the chunk.
func loadChunk(ctx context.Context, c *sql.Conn, prog *progress, f fetchedChunk) error {
	if f.err != nil {
		return nameCorrupt(f.c.Key, fmt.Errorf("chunk %s of %s.%s: %w", f.c.Key, f.t.Database, f.t.Name, f.err))
	}
	return nameCorrupt(f.c.Key, loadVerifiedChunk(ctx, c, prog, f.t, f.c, f.data))
}

func loadVerifiedChunk(ctx context.Context, c *sql.Conn, prog *progress, t *Table, ch Chunk, data []byte) error {
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin chunk %s: %w", ch.Key, err)
	}
	defer func() { _ = tx.Rollback() }()
	var rows int64
	err = eachStatement(data, insertPrefix(t.Database, t.Name, t.Columns), func(stmt []byte) error {
		r, err := tx.ExecContext(ctx, string(stmt))
		if err != nil {
			return fmt.Errorf("load chunk %s into %s.%s: %w", ch.Key, t.Database, t.Name, err)
		}
		n, _ := r.RowsAffected()
		rows += n
		return nil
	})
	if err != nil {
		return fmt.Errorf("chunk %s: %w", ch.Key, err)
	}
	if rows != ch.Rows {
		return fmt.Errorf("%w: chunk %s inserted %d rows, manifest says %d", ErrCorrupt, ch.Key, rows, ch.Rows)
	}
	if err := prog.record(ctx, tx, ch.Key); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit chunk %s: %w", ch.Key, err)
	}
	return nil
}
