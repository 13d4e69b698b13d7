package backup

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// systemDatabases are never dumped.
var systemDatabases = []string{"mysql", "information_schema", "performance_schema", "sys"}

// tableInfo is what the dump needs to know about a base table besides its DDL.
type tableInfo struct {
	Table
	kinds      []valueKind
	selects    []string // what the scan selects for each column
	pk         []string // primary key columns, in order
	pkNumeric  bool     // the first primary key column is an integer: rows are split by its range
	pkUnsigned bool     // and it is UNSIGNED (BIGINT UNSIGNED keys go past 2^63)
	estRows    int64
	avgRow     int64
}

// readSchema reads the databases (all but system ones, or only those named) with their objects and tables.
func readSchema(ctx context.Context, c querier, only []string) ([]Database, []tableInfo, error) {
	names, err := listDatabases(ctx, c, only)
	if err != nil {
		return nil, nil, err
	}
	var dbs []Database
	var tables []tableInfo
	for _, name := range names {
		d, ts, err := readDatabase(ctx, c, name)
		if err != nil {
			return nil, nil, fmt.Errorf("read schema of %s: %w", name, err)
		}
		dbs, tables = append(dbs, d), append(tables, ts...)
	}
	return dbs, tables, nil
}

func listDatabases(ctx context.Context, c querier, only []string) ([]string, error) {
	names, err := queryStrings(ctx, c, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME")
	if err != nil {
		return nil, fmt.Errorf("list databases: %w", err)
	}
	var out []string
	for _, n := range names {
		if slices.Contains(systemDatabases, strings.ToLower(n)) || n == progressDatabase {
			continue
		}
		if len(only) == 0 || slices.Contains(only, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

func readDatabase(ctx context.Context, c querier, name string) (Database, []tableInfo, error) {
	d := Database{Name: name}
	var err error
	q := "SHOW CREATE DATABASE " + quoteIdent(name)
	if d.CreateSQL, _, err = showCreate(ctx, c, q, "Create Database"); err != nil {
		return d, nil, err
	}
	tables, views, seqs, err := listTables(ctx, c, name)
	if err != nil {
		return d, nil, err
	}
	if d.Sequences, err = readSequences(ctx, c, name, seqs); err != nil {
		return d, nil, err
	}
	var infos []tableInfo
	for _, t := range tables {
		ti, err := readTable(ctx, c, name, t)
		if err != nil {
			return d, nil, err
		}
		infos = append(infos, ti)
	}
	if d.Views, err = showObjects(ctx, c, name, views, "VIEW", "Create View"); err != nil {
		return d, nil, err
	}
	if err := readPrograms(ctx, c, &d); err != nil {
		return d, nil, err
	}
	return d, infos, nil
}

func readPrograms(ctx context.Context, c querier, d *Database) error {
	q := func(sql string) ([]string, error) { return queryStrings(ctx, c, sql, d.Name) }
	procs, err := q("SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND " +
		"ROUTINE_TYPE = 'PROCEDURE' ORDER BY ROUTINE_NAME")
	if err != nil {
		return fmt.Errorf("list procedures: %w", err)
	}
	funcs, err := q("SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND " +
		"ROUTINE_TYPE = 'FUNCTION' ORDER BY ROUTINE_NAME")
	if err != nil {
		return fmt.Errorf("list functions: %w", err)
	}
	trigs, err := q("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? " +
		"ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER")
	if err != nil {
		return fmt.Errorf("list triggers: %w", err)
	}
	events, err := q("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? ORDER BY EVENT_NAME")
	if err != nil {
		return fmt.Errorf("list events: %w", err)
	}
	p, err := showObjects(ctx, c, d.Name, procs, "PROCEDURE", "Create Procedure")
	if err != nil {
		return err
	}
	f, err := showObjects(ctx, c, d.Name, funcs, "FUNCTION", "Create Function")
	if err != nil {
		return err
	}
	d.Routines = append(p, f...)
	if d.Triggers, err = showObjects(ctx, c, d.Name, trigs, "TRIGGER", "SQL Original Statement"); err != nil {
		return err
	}
	d.Events, err = showObjects(ctx, c, d.Name, events, "EVENT", "Create Event")
	return err
}

func showObjects(ctx context.Context, c querier, db string, names []string, kind, col string) ([]Object, error) {
	var out []Object
	for _, n := range names {
		q := "SHOW CREATE " + kind + " " + quoteIdent(db) + "." + quoteIdent(n)
		text, mode, err := showCreate(ctx, c, q, col)
		if err != nil {
			return nil, err
		}
		o := Object{Name: n, SQLMode: mode, SQL: text}
		if kind == "PROCEDURE" || kind == "FUNCTION" {
			o.Kind = kind
		}
		out = append(out, o)
	}
	return out, nil
}

// showCreate runs a SHOW CREATE statement and returns the named column and the sql_mode column, if any.
func showCreate(ctx context.Context, c querier, q, col string) (string, string, error) {
	rows, err := c.QueryContext(ctx, q)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", q, err)
	}
	rec, err := scanMaps(rows)
	if err != nil || len(rec) != 1 {
		return "", "", fmt.Errorf("%s: %d rows: %w", q, len(rec), err)
	}
	text, ok := rec[0][col]
	if !ok || text == "" {
		return "", "", fmt.Errorf("%s: no %q (privileges?)", q, col)
	}
	return text, rec[0]["sql_mode"], nil
}

// listTables names a database's base tables, views and (MariaDB) sequences.
func listTables(ctx context.Context, c querier, db string) (tables, views, seqs []string, err error) {
	rows, err := c.QueryContext(ctx, "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "+
		"WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", db)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list tables: %w", err)
	}
	rec, err := scanMaps(rows)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list tables: %w", err)
	}
	for _, r := range rec {
		switch r["TABLE_TYPE"] {
		case "VIEW":
			views = append(views, r["TABLE_NAME"])
		case "BASE TABLE", "SYSTEM VERSIONED":
			tables = append(tables, r["TABLE_NAME"])
		case "SEQUENCE":
			seqs = append(seqs, r["TABLE_NAME"])
		default:
			return nil, nil, nil, fmt.Errorf("table %s.%s: type %s is not supported", db, r["TABLE_NAME"],
				r["TABLE_TYPE"])
		}
	}
	return tables, views, seqs, nil
}

func readTable(ctx context.Context, c querier, db, name string) (tableInfo, error) {
	t := tableInfo{Table: Table{Database: db, Name: name}}
	var err error
	q := "SHOW CREATE TABLE " + quoteIdent(db) + "." + quoteIdent(name)
	if t.CreateSQL, _, err = showCreate(ctx, c, q, "Create Table"); err != nil {
		return t, err
	}
	rows, err := c.QueryContext(ctx, "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, EXTRA FROM "+
		"information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION", db, name)
	if err != nil {
		return t, fmt.Errorf("columns of %s.%s: %w", db, name, err)
	}
	cols, err := scanMaps(rows)
	if err != nil {
		return t, fmt.Errorf("columns of %s.%s: %w", db, name, err)
	}
	types, colTypes := map[string]string{}, map[string]string{}
	for _, col := range cols {
		types[col["COLUMN_NAME"]] = col["DATA_TYPE"]
		colTypes[col["COLUMN_NAME"]] = col["COLUMN_TYPE"]
		if isGenerated(col["EXTRA"]) {
			continue // computed again by the server on insert
		}
		t.Columns = append(t.Columns, col["COLUMN_NAME"])
		t.kinds = append(t.kinds, kindOf(col["DATA_TYPE"]))
		t.selects = append(t.selects, selectExpr(col["COLUMN_NAME"], col["DATA_TYPE"]))
	}
	if t.pk, err = queryStrings(ctx, c, "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE "+
		"TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX", db, name); err != nil {
		return t, fmt.Errorf("primary key of %s.%s: %w", db, name, err)
	}
	t.pkNumeric = len(t.pk) > 0 && isInteger(types[t.pk[0]])
	t.pkUnsigned = t.pkNumeric && strings.Contains(strings.ToLower(colTypes[t.pk[0]]), "unsigned")
	err = c.QueryRowContext(ctx, "SELECT COALESCE(TABLE_ROWS, 0), COALESCE(AVG_ROW_LENGTH, 0) FROM "+
		"information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", db, name).Scan(&t.estRows, &t.avgRow)
	if err != nil {
		return t, fmt.Errorf("size of %s.%s: %w", db, name, err)
	}
	return t, nil
}

// selectExpr reads a column losslessly as text: the text protocol prints a FLOAT with 6 significant digits,
// while the DOUBLE holding the same value prints enough digits to give the same FLOAT back on insert.
func selectExpr(column, dataType string) string {
	if strings.EqualFold(dataType, "float") {
		return "CAST(" + quoteIdent(column) + " AS DOUBLE)"
	}
	return quoteIdent(column)
}

// selectList is the scan's column list.
func (t *tableInfo) selectList() string { return strings.Join(t.selects, ",") }

func isGenerated(extra string) bool {
	// Not MySQL's DEFAULT_GENERATED, which is a column with an expression default.
	e := strings.ToUpper(extra)
	return strings.Contains(e, "VIRTUAL GENERATED") || strings.Contains(e, "STORED GENERATED") ||
		strings.Contains(e, "PERSISTENT") || e == "VIRTUAL" || e == "STORED"
}

func isInteger(dataType string) bool {
	switch strings.ToLower(dataType) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
		return true
	}
	return false
}

func queryStrings(ctx context.Context, c querier, q string, args ...any) ([]string, error) {
	rows, err := c.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s.String)
	}
	return out, rows.Err()
}
