package backup_test

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/test/peers"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// rig is a source and a target MariaDB and an S3 server with the bucket "backups".
type rig struct {
	src, dst *peers.MariaDB
	s3       *peers.S3
	srcDB    *sql.DB
}

func newRig(t *testing.T, srcArgs ...string) rig {
	t.Helper()
	r := rig{src: peers.StartMariaDB(t, srcArgs...), dst: peers.StartMariaDB(t), s3: peers.StartS3(t, "backups")}
	r.srcDB = openDB(t, r.src)
	return r
}

func server(m *peers.MariaDB) backup.Server { return backup.Server{Addr: m.Addr, User: "root"} }

func openDB(t *testing.T, m *peers.MariaDB) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", m.DSN("")+"&charset=utf8mb4")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// s3Store returns a store for a fresh location in the server's bucket.
func s3Store(t *testing.T, s *peers.S3, endpoint, location string, tune func(*backup.S3Config)) *backup.S3Store {
	t.Helper()
	c := backup.S3Config{Bucket: "backups", Prefix: location, Endpoint: endpoint, PathStyle: true,
		AccessKey: s.AccessKey, SecretKey: s.SecretKey}
	if tune != nil {
		tune(&c)
	}
	st, err := backup.NewS3Store(c)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checksums returns CHECKSUM TABLE of every base table outside the system databases, by db.table.
func checksums(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = " +
		"'BASE TABLE' AND TABLE_SCHEMA NOT IN ('mysql','information_schema','performance_schema','sys')")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var d, n string
		if err := rows.Scan(&d, &n); err != nil {
			t.Fatal(err)
		}
		names = append(names, "`"+strings.ReplaceAll(d, "`", "``")+"`.`"+strings.ReplaceAll(n, "`", "``")+"`")
	}
	_ = rows.Close()
	sort.Strings(names)
	out := map[string]string{}
	for _, n := range names {
		var name string
		var sum sql.NullString
		if err := db.QueryRow("CHECKSUM TABLE "+n+" EXTENDED").Scan(&name, &sum); err != nil {
			t.Fatalf("checksum %s: %v", n, err)
		}
		var count int64
		if err := db.QueryRow("SELECT COUNT(*) FROM " + n).Scan(&count); err != nil {
			t.Fatal(err)
		}
		out[n] = fmt.Sprintf("%s/%d", sum.String, count)
	}
	return out
}

func compareChecksums(t *testing.T, want, got map[string]string) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("no tables to compare")
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("table %s: checksum/rows %s after restore, %s at the source", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("table %s exists only after restore", k)
		}
	}
}
