package backup

import (
	"context"
	"fmt"
	"strings"
)

// systemSchemas are never dropped by Wipe: the server's own (its accounts among them).
var systemSchemas = map[string]bool{"mysql": true, "information_schema": true, "performance_schema": true,
	"sys": true}

// Fence stops a member's writes before an in-place restore replaces the data: MySQL: SET GLOBAL
// super_read_only = ON, then STOP GROUP_REPLICATION (which keeps it on; a no-op when not running); MariaDB:
// SET GLOBAL read_only = ON.
func Fence(ctx context.Context, s Server) error {
	db, err := s.open(1)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	_, fl, err := serverVersion(ctx, db)
	if err != nil {
		return err
	}
	stmts := []string{"SET GLOBAL super_read_only = ON", "STOP GROUP_REPLICATION"}
	if fl == flavorMariaDB {
		stmts = []string{"SET GLOBAL read_only = ON"}
	}
	if err := execAll(ctx, db, stmts...); err != nil {
		return fmt.Errorf("fence %s: %w", s.Addr, err)
	}
	return nil
}

// Wipe empties the server an in-place restore loads into, so that Restore finds it empty and a replay's
// transactions are not skipped as already executed: it leaves the group (MySQL: STOP GROUP_REPLICATION), lifts
// read-only, drops every schema but the system ones, then forgets the binary logs and the GTID state (MySQL 8.4:
// RESET BINARY LOGS AND GTIDS, before 8.4 and MariaDB: RESET MASTER). It returns the schemas dropped.
func Wipe(ctx context.Context, s Server) ([]string, error) {
	db, err := s.open(1)
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()
	version, fl, err := serverVersion(ctx, db)
	if err != nil {
		return nil, err
	}
	pre := []string{"STOP GROUP_REPLICATION", "SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF"}
	if fl == flavorMariaDB {
		pre = []string{"SET GLOBAL read_only = OFF"}
	}
	if err := execAll(ctx, db, pre...); err != nil {
		return nil, fmt.Errorf("wipe %s: %w", s.Addr, err)
	}
	dropped, err := dropUserSchemas(ctx, db)
	if err != nil {
		return dropped, fmt.Errorf("wipe %s: %w", s.Addr, err)
	}
	if err := execAll(ctx, db, resetStatement(version, fl)); err != nil {
		return dropped, fmt.Errorf("wipe %s: %w", s.Addr, err)
	}
	return dropped, nil
}

// resetStatement forgets the binary logs and GTIDs; RESET MASTER is deprecated in MySQL 8.4.
func resetStatement(version string, fl flavor) string {
	if fl == flavorMySQL && !strings.HasPrefix(version, "8.0") {
		return "RESET BINARY LOGS AND GTIDS"
	}
	return "RESET MASTER"
}

func dropUserSchemas(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")
	if err != nil {
		return nil, fmt.Errorf("list schemas: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("list schemas: %w", err)
		}
		if !systemSchemas[strings.ToLower(n)] {
			names = append(names, n)
		}
	}
	err = rows.Err()
	_ = rows.Close() // before the drops: the pool has one connection
	if err != nil {
		return nil, fmt.Errorf("list schemas: %w", err)
	}
	for i, n := range names {
		if err := execAll(ctx, q, "DROP DATABASE "+quoteIdent(n)); err != nil {
			return names[:i], err
		}
	}
	return names, nil
}
