package backup

import (
	"context"
	"database/sql"
	"fmt"
)

// keyPlans decides every table's tableKeys, in manifest order.
func keyPlans(m *Manifest) []tableKeys {
	refs := referencedTables(m)
	plans := make([]tableKeys, len(m.Tables))
	for i, t := range m.Tables {
		plans[i] = planKeys(t.CreateSQL, refs[t.Name])
	}
	return plans
}

func keysItem(i int) string { return fmt.Sprintf("keys:%05d", i) }

// restoreKeys adds each table's deferred keys once all its rows are in, tables in parallel on Threads
// connections. A build is one ALTER TABLE (atomic), recorded after it: a killed run's rerun adds the keys still
// missing, none when the build had finished.
func restoreKeys(ctx context.Context, db *sql.DB, threads int, p *progress, m *Manifest, plans []tableKeys) error {
	var todo []int
	for i, pl := range plans {
		if len(pl.deferred) > 0 && !p.done(keysItem(i)) {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	add := func(ctx context.Context, c *sql.Conn, i int) error {
		return addKeys(ctx, c, p, &m.Tables[i], plans[i].deferred, keysItem(i))
	}
	return onWorkers(ctx, db, min(threads, len(todo)), feeder(todo), add)
}

func addKeys(ctx context.Context, c *sql.Conn, p *progress, t *Table, deferred []string, item string) error {
	existing, err := indexNames(ctx, c, t.Database, t.Name)
	if err != nil {
		return err
	}
	if add := missingKeys(deferred, existing); add != "" {
		stmt := "ALTER TABLE " + quoteIdent(t.Database) + "." + quoteIdent(t.Name) + " " + add
		if _, err := c.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("add the keys of %s.%s: %w", t.Database, t.Name, err)
		}
	}
	return p.record(ctx, c, item)
}

func indexNames(ctx context.Context, c *sql.Conn, db, table string) (map[string]bool, error) {
	rows, err := c.QueryContext(ctx, "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS "+
		"WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", db, table)
	if err != nil {
		return nil, fmt.Errorf("keys of %s.%s: %w", db, table, err)
	}
	defer func() { _ = rows.Close() }()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("keys of %s.%s: %w", db, table, err)
		}
		out[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keys of %s.%s: %w", db, table, err)
	}
	return out, nil
}
