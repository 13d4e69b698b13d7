package backup_test

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/orca-operator/orca/backup"
)

var roundTripSchema = []string{
	"CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
	"CREATE DATABASE `we``ird-db` CHARACTER SET latin1",
	`CREATE TABLE shop.types (
		id INT PRIMARY KEY AUTO_INCREMENT, ti TINYINT, si SMALLINT UNSIGNED, mi MEDIUMINT, bi BIGINT,
		ubi BIGINT UNSIGNED, de DECIMAL(30,10), f FLOAT, db DOUBLE, bt BIT(10), y YEAR, dt DATETIME(6),
		ts TIMESTAMP(3) NULL DEFAULT NULL, da DATE, tm TIME(2), ch CHAR(10), vc VARCHAR(200), tx TEXT,
		lt LONGTEXT, bn BINARY(4), vb VARBINARY(300), bl BLOB, lb LONGBLOB, en ENUM('a','b','c'),
		st SET('x','y','z'), js JSON, g POINT, lat VARCHAR(20) CHARACTER SET latin1,
		gv INT AS (ti * 2) VIRTUAL, gs VARCHAR(300) AS (CONCAT(vc, '!')) STORED)`,
	"CREATE TABLE shop.nopk (a INT, b VARCHAR(10), c BLOB)",
	"CREATE TABLE shop.composite (a VARCHAR(20), b INT, c INT, PRIMARY KEY (a, b))",
	"CREATE TABLE shop.intcomposite (a INT, b INT, v TEXT, PRIMARY KEY (a, b))",
	"CREATE TABLE shop.empty (id INT PRIMARY KEY)",
	"CREATE TABLE shop.zero (id INT PRIMARY KEY AUTO_INCREMENT, v INT)",
	"CREATE TABLE shop.audit (n INT)",
	"CREATE SEQUENCE shop.seq START WITH 100 INCREMENT BY 5 CACHE 10",
	"CREATE TABLE shop.ubig (id BIGINT UNSIGNED PRIMARY KEY, n BIGINT DEFAULT NEXTVAL(shop.seq), v VARCHAR(100))",
	"CREATE TABLE `we``ird-db`.`sp ace` (`co``l` INT PRIMARY KEY, `é` VARCHAR(10))",
	// Secondary keys, deferred on restore or not (a foreign key's tables, an AUTO_INCREMENT column's key).
	"CREATE TABLE shop.keyed (id INT PRIMARY KEY, a INT, b VARCHAR(50), c TEXT, UNIQUE KEY u_b (b), " +
		"KEY k_a (a), KEY `k ab` (a, b) COMMENT 'x, y', KEY k_c (c(10))) AUTO_INCREMENT=7000",
	"CREATE TABLE shop.parent (id INT PRIMARY KEY, code INT, KEY k_code (code))",
	"CREATE TABLE shop.child (id INT PRIMARY KEY, pid INT, KEY k_pid (pid), " +
		"CONSTRAINT fk_parent FOREIGN KEY (pid) REFERENCES shop.parent (id))",
	"CREATE TABLE shop.ainc (pk INT PRIMARY KEY, n INT NOT NULL AUTO_INCREMENT, KEY k_n (n), KEY k_pk (pk))",
	"CREATE VIEW shop.v_types AS SELECT id, vc FROM shop.types WHERE id < 10",
	"CREATE VIEW shop.a_over_view AS SELECT COUNT(*) AS n FROM shop.v_types",
	"CREATE PROCEDURE shop.p_count(OUT n INT) BEGIN SELECT COUNT(*) INTO n FROM shop.types; END",
	"CREATE FUNCTION shop.f_twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
	"CREATE TRIGGER shop.t_audit AFTER INSERT ON shop.nopk FOR EACH ROW INSERT INTO shop.audit VALUES (NEW.a)",
	"CREATE EVENT shop.e_noop ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1",
}

// fillRoundTrip writes rows with every edge of every type: NULLs, empty values, escapes, 4-byte UTF-8, all 256
// byte values, extreme numbers.
func fillRoundTrip(t *testing.T, db *sql.DB) {
	t.Helper()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	weird := "quote' dq\" bs\\ nl\n cr\r nul\x00 z\x1a tab\t emoji 😀 ünï"
	ins := "INSERT INTO shop.types (ti, si, mi, bi, ubi, de, f, db, bt, y, dt, ts, da, tm, ch, vc, tx, lt, bn, vb, " +
		"bl, lb, en, st, js, g, lat) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,ST_GeomFromText(?),?)"
	stmt, err := db.Prepare(ins)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stmt.Close() }()
	for i := range 3000 {
		s := fmt.Sprintf("%d %s", i, weird)
		_, err := stmt.Exec(int8(i%256-128), uint16(i*7), i*100-50000, int64(math.MinInt64)+int64(i),
			uint64(math.MaxUint64)-uint64(i), fmt.Sprintf("%d.%010d", i-1500, i*37), float32(i)/3, float64(i)/7,
			[]byte{byte(i % 4), byte(i)}, 1901+i%254, "2026-12-01 10:11:12.123456", "2038-01-19 03:14:07.499",
			"1000-01-01", "-838:59:59.99", "c", s, strings.Repeat(s, 3), strings.Repeat("L", i%2000),
			[]byte{0, 1, byte(i), 255}, all[:i%256], all, []byte(strings.Repeat("\x00\xff", i%500)),
			[]string{"a", "b", "c"}[i%3], "x,z", fmt.Sprintf(`{"k": %d, "s": "\u00e9\n", "a": [1, null]}`, i),
			fmt.Sprintf("POINT(%d %d)", i, -i), "café")
		if err != nil {
			t.Fatal(err)
		}
	}
	mustExec(t, db,
		"INSERT INTO shop.types (id) VALUES (100000)", // every other column NULL
		"INSERT INTO shop.types (id, vc, tx, bl, vb, ch, js) VALUES (100001, '', '', '', '', '', '[]')",
		"INSERT INTO shop.types (id, f, db, de) VALUES (100002, 3.4e38, 1.7976931348623157e308, "+
			"-99999999999999999999.9999999999)",
		"INSERT INTO shop.types (id, f, db) VALUES (100003, -1.17549435e-38, 4.9e-324)",
		"INSERT INTO shop.nopk (a, b, c) VALUES (1, 'dup', x'00'), (1, 'dup', x'00'), (NULL, NULL, NULL)",
		"INSERT INTO shop.composite VALUES ('a', 1, 1), ('a', 2, 2), ('b', 1, 3), ('', 0, 4), ('😀', -1, 5)",
		"INSERT INTO shop.intcomposite SELECT id % 50, id, vc FROM shop.types",
		"SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
		"INSERT INTO shop.zero VALUES (0, 0), (1, 1)",
		"SET SESSION sql_mode = DEFAULT",
		"INSERT INTO `we``ird-db`.`sp ace` VALUES (1, 'é'), (2, NULL)",
		"INSERT INTO shop.keyed SELECT id, id % 7, CONCAT('b', id), vc FROM shop.types",
		"INSERT INTO shop.parent SELECT id, id % 3 FROM shop.types WHERE id < 50",
		"INSERT INTO shop.child SELECT id, id % 40 + 1 FROM shop.types WHERE id < 100",
		"INSERT INTO shop.ainc (pk) SELECT id FROM shop.types WHERE id < 30")
	// Unsigned keys over the whole uint64 range, most above 2^63: split by range like any other.
	vals := make([]string, 0, 2000)
	for i := range uint64(2000) {
		vals = append(vals, fmt.Sprintf("(%d, REPEAT('u', 80))", uint64(math.MaxUint64)-i*(math.MaxUint64/2000)))
	}
	mustExec(t, db, "INSERT INTO shop.ubig (id, v) VALUES "+strings.Join(vals, ","),
		"INSERT INTO shop.ubig (id, v) VALUES (0, 'zero')",
		"ANALYZE TABLE shop.types, shop.intcomposite, shop.ubig")
}

func TestRoundTripEveryTypeAndShape(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	r := newRig(t)
	src, dst, s3, srcDB := r.src, r.dst, r.s3, r.srcDB
	dstDB := openDB(t, dst)
	mustExec(t, srcDB, roundTripSchema...)
	fillRoundTrip(t, srcDB)
	st := s3Store(t, s3, s3.Endpoint, "cluster-a/b1", nil)

	m, err := backup.Dump(ctx, backup.DumpOptions{Source: server(src), Store: st, ID: "b1", Threads: 3,
		ChunkBytes: 64 << 10, StatementBytes: 8 << 10})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	types := findTable(t, m, "shop", "types")
	if len(types.Chunks) < 4 || types.Rows != 3004 {
		t.Fatalf("shop.types: %d chunks, %d rows; want several chunks of 3004 rows", len(types.Chunks), types.Rows)
	}
	if ubig := findTable(t, m, "shop", "ubig"); len(ubig.Chunks) < 3 || ubig.Rows != 2001 {
		t.Fatalf("shop.ubig: %d chunks, %d rows; want several chunks of 2001 rows", len(ubig.Chunks), ubig.Rows)
	}
	seq := m.Databases[slices.IndexFunc(m.Databases, func(d backup.Database) bool { return d.Name == "shop" })].
		Sequences
	if len(seq) != 1 || seq[0].Name != "seq" || seq[0].Next < 100+5*2001 || m.FormatVersion != backup.FormatVersion {
		t.Fatalf("shop's sequences in the manifest: %+v", seq)
	}
	if nopk := findTable(t, m, "shop", "nopk"); nopk.Rows != 3 {
		t.Fatalf("shop.nopk: %d rows, want 3", nopk.Rows)
	}
	res, err := backup.Restore(ctx, backup.RestoreOptions{Target: server(dst), Store: st, Threads: 3})
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if res.Skipped != 0 || res.Rows != countRows(m) {
		t.Fatalf("restore loaded %d rows, skipped %d chunks; manifest has %d rows", res.Rows, res.Skipped,
			countRows(m))
	}
	compareChecksums(t, checksums(t, srcDB), checksums(t, dstDB))
	compareObjects(t, srcDB, dstDB)
	compareTables(t, srcDB, dstDB)
	if checks, err := backup.Verify(ctx, server(dst), m); err != nil || len(checks) != len(m.Tables) {
		t.Fatalf("verify the restored copy: %d tables, %v", len(checks), err)
	}
	checkSequence(t, dstDB, seq[0].Next)
	// One changed value, one extra row: both found, by table.
	mustExec(t, dstDB, "UPDATE shop.types SET vc = 'changed' WHERE id = 7",
		"INSERT INTO shop.composite VALUES ('z', 9, 9)")
	_, err = backup.Verify(ctx, server(dst), m)
	if !errors.Is(err, backup.ErrVerifyFailed) || !strings.Contains(err.Error(), "shop.types (3004 rows") ||
		!strings.Contains(err.Error(), "shop.composite (6 rows, want 5") {
		t.Fatalf("verify after changes: %v", err)
	}
	var n int
	mustExec(t, dstDB, "CALL shop.p_count(@n)")
	if err := dstDB.QueryRow("SELECT @n + shop.f_twice(0)").Scan(&n); err != nil || n != 3004 {
		t.Fatalf("routines after restore: %d, %v", n, err)
	}
	var progressDBs int
	_ = dstDB.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '_orca_restore'").
		Scan(&progressDBs)
	if progressDBs != 0 {
		t.Fatal("the restore progress database is left behind")
	}
	// Again into the same target: refused, naming a table, and nothing changed.
	_, err = backup.Restore(ctx, backup.RestoreOptions{Target: server(dst), Store: st})
	if err == nil || !strings.Contains(err.Error(), "already holds") {
		t.Fatalf("restore over restored data: %v, want ErrTargetNotEmpty", err)
	}
}

// checkSequence: the restored sequence hands out next first, after every value of the rows that used it.
func checkSequence(t *testing.T, db *sql.DB, next int64) {
	t.Helper()
	var got, used int64
	if err := db.QueryRow("SELECT NEXTVAL(shop.seq)").Scan(&got); err != nil || got != next {
		t.Fatalf("NEXTVAL of the restored sequence: %d, %v; want %d", got, err, next)
	}
	if err := db.QueryRow("SELECT MAX(n) FROM shop.ubig").Scan(&used); err != nil || used >= next {
		t.Fatalf("rows used the sequence up to %d (%v), restored sequence starts at %d", used, err, next)
	}
}

func findTable(t *testing.T, m *backup.Manifest, db, name string) backup.Table {
	t.Helper()
	for _, tb := range m.Tables {
		if tb.Database == db && tb.Name == name {
			return tb
		}
	}
	t.Fatalf("table %s.%s not in the manifest", db, name)
	return backup.Table{}
}

func countRows(m *backup.Manifest) int64 {
	var n int64
	for _, t := range m.Tables {
		n += t.Rows
	}
	return n
}

// compareObjects checks that views, routines, triggers and events exist with the same definitions.
func compareObjects(t *testing.T, a, b *sql.DB) {
	t.Helper()
	for _, q := range []string{
		"SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS ORDER BY 1, 2",
		"SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES " +
			"WHERE ROUTINE_SCHEMA NOT IN ('sys','mysql') ORDER BY 1, 2",
		"SELECT TRIGGER_SCHEMA, TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS ORDER BY 1, 2",
		"SELECT EVENT_SCHEMA, EVENT_NAME, EVENT_DEFINITION FROM information_schema.EVENTS ORDER BY 1, 2",
	} {
		want, got := queryRows(t, a, q), queryRows(t, b, q)
		if want == "" || want != got {
			t.Errorf("%s\nsource:\n%s\nrestored:\n%s", q, want, got)
		}
	}
}

// compareTables checks that every table's SHOW CREATE TABLE is the same (keys deferred on restore included).
func compareTables(t *testing.T, a, b *sql.DB) {
	t.Helper()
	q := "SELECT TABLE_SCHEMA, TABLE_NAME, '' FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' " +
		"AND TABLE_SCHEMA NOT IN ('mysql', 'sys', 'information_schema', 'performance_schema') ORDER BY 1, 2"
	names := queryRows(t, a, q)
	if got := queryRows(t, b, q); got != names {
		t.Fatalf("tables: source\n%s\nrestored\n%s", names, got)
	}
	for _, line := range strings.Split(strings.TrimSpace(names), "\n") {
		db, table, _ := strings.Cut(strings.TrimSuffix(strings.TrimSpace(line), ":"), ".")
		stmt := "SHOW CREATE TABLE " + quote(db) + "." + quote(table)
		var n, want, got string
		if err := a.QueryRow(stmt).Scan(&n, &want); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		if err := b.QueryRow(stmt).Scan(&n, &got); err != nil || got != want {
			t.Errorf("%s: restored (%v)\n%s\nsource\n%s", stmt, err, got, want)
		}
	}
}

func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

func queryRows(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var b strings.Builder
	for rows.Next() {
		var x, y, z sql.NullString
		if err := rows.Scan(&x, &y, &z); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s.%s: %s\n", x.String, y.String, z.String)
	}
	return b.String()
}
