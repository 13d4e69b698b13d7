package backup

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// progressDatabase holds a restore's progress on the target; it is dropped when the restore completes.
const progressDatabase = "_orca_restore"

const progressTable = "`" + progressDatabase + "`.`progress`"

// progress is the set of items (tables, chunks, object groups) an earlier run of this restore committed.
type progress struct {
	id    string
	mu    sync.Mutex
	items map[string]bool
}

// openProgress creates the progress table and loads this backup's items. A target holding progress of another
// backup, or a table of this backup without progress, is refused.
func openProgress(ctx context.Context, c *sql.Conn, m *Manifest) (*progress, error) {
	if err := execAll(ctx, c, "CREATE DATABASE IF NOT EXISTS "+quoteIdent(progressDatabase),
		"CREATE TABLE IF NOT EXISTS "+progressTable+" (backup_id VARCHAR(200) NOT NULL, "+
			"item VARCHAR(100) NOT NULL, PRIMARY KEY (backup_id, item)) ENGINE=InnoDB"); err != nil {
		return nil, fmt.Errorf("create the restore progress table: %w", err)
	}
	rows, err := c.QueryContext(ctx, "SELECT backup_id, item FROM "+progressTable)
	if err != nil {
		return nil, fmt.Errorf("read restore progress: %w", err)
	}
	rec, err := scanMaps(rows)
	if err != nil {
		return nil, fmt.Errorf("read restore progress: %w", err)
	}
	p := &progress{id: m.ID, items: map[string]bool{}}
	for _, r := range rec {
		if r["backup_id"] != m.ID {
			return nil, fmt.Errorf("%w: an interrupted restore of backup %q is recorded in %s", ErrTargetNotEmpty,
				r["backup_id"], progressDatabase)
		}
		p.items[r["item"]] = true
	}
	if p.done(itemBegin) {
		return p, nil
	}
	if err := checkEmpty(ctx, c, m); err != nil {
		return nil, err
	}
	return p, p.record(ctx, c, itemBegin)
}

const itemBegin = "begin"

// checkEmpty refuses a target holding any table or sequence of the backup.
func checkEmpty(ctx context.Context, c *sql.Conn, m *Manifest) error {
	type name struct{ db, table string }
	var names []name
	for _, t := range m.Tables {
		names = append(names, name{t.Database, t.Name})
	}
	for _, d := range m.Databases {
		for _, s := range d.Sequences {
			names = append(names, name{d.Name, s.Name})
		}
	}
	for _, t := range names {
		var n int
		err := c.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? "+
			"AND TABLE_NAME = ?", t.db, t.table).Scan(&n)
		if err != nil {
			return fmt.Errorf("check the target: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("%w: %s.%s", ErrTargetNotEmpty, t.db, t.table)
		}
	}
	return nil
}

func (p *progress) done(item string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.items[item]
}

// record stores an item through q: inside a chunk's transaction, it commits with the chunk's rows.
func (p *progress) record(ctx context.Context, q querier, item string) error {
	if _, err := q.ExecContext(ctx, "INSERT INTO "+progressTable+" (backup_id, item) VALUES (?, ?)",
		p.id, item); err != nil {
		return fmt.Errorf("record restore progress %s: %w", item, err)
	}
	p.mu.Lock()
	p.items[item] = true
	p.mu.Unlock()
	return nil
}

func (p *progress) finish(ctx context.Context, c *sql.Conn) error {
	if err := execAll(ctx, c, "DROP DATABASE IF EXISTS "+quoteIdent(progressDatabase)); err != nil {
		return fmt.Errorf("drop the restore progress: %w", err)
	}
	return nil
}
