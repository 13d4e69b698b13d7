package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"syscall"
	"testing"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/test/peers"
)

func execOrFail(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func queryInt(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// `orca restore --replace` into a server that has moved on (MariaDB with its binary log, archived to versitygw):
// the other member is fenced read-only first; the target's schemas (one the backup never had among them) are
// dropped and its binary log and GTID state reset, so the replay to a GTID the server had already executed
// applies it again: the server holds exactly the rows up to that GTID and is writable.
func TestRestoreReplaceInPlaceToAGTID(t *testing.T) {
	src := peers.StartMariaDB(t, "--log-bin=binlog", "--server-id=1", "--binlog-format=ROW")
	other := peers.StartMariaDB(t)
	s3 := peers.StartS3(t, "backups")
	db, err := sql.Open("mysql", src.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	execOrFail(t, db, "CREATE DATABASE app", "CREATE TABLE app.w (id INT AUTO_INCREMENT PRIMARY KEY)",
		"INSERT INTO app.w () VALUES (), (), ()")
	store, err := backup.NewS3Store(backup.S3Config{Bucket: "backups", Prefix: "c1", Endpoint: s3.Endpoint,
		PathStyle: true, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Dump(context.Background(), backup.DumpOptions{Source: backup.Server{Addr: src.Addr,
		User: "root"}, Store: store.Sub("base"), ID: "base"}); err != nil {
		t.Fatal(err)
	}
	env := []string{envS3AccessKey + "=" + s3.AccessKey, envS3SecretKey + "=" + s3.SecretKey}
	archiver, out := orcaProcess(env, "binlog-archive", "--source", src.Addr, "--bucket", "backups", "--prefix",
		"c1", "--endpoint", s3.Endpoint, "--path-style", "--segment-interval", "1s")
	if err := archiver.Start(); err != nil {
		t.Fatal(err)
	}
	for range 4 { // the point: after the 5th row
		execOrFail(t, db, "INSERT INTO app.w () VALUES ()")
	}
	point := gtidPos(t, db)
	execOrFail(t, db, "INSERT INTO app.w () VALUES ()", "INSERT INTO app.w () VALUES ()")
	waitArchived(t, store, gtidPos(t, db))
	_ = archiver.Process.Signal(syscall.SIGTERM)
	if err := archiver.Wait(); err != nil {
		t.Fatalf("archiver: %v\n%s", err, out)
	}
	execOrFail(t, db, "CREATE DATABASE junk", "CREATE TABLE junk.t (a INT)", "INSERT INTO app.w () VALUES ()")
	cmd, rout := orcaProcess(env, "restore", "--replace", "--host", "127.0.0.1", "--port", strconv.Itoa(src.Port),
		"--fence-host", "127.0.0.1:"+strconv.Itoa(other.Port), "--bucket", "backups", "--prefix", "c1",
		"--endpoint", s3.Endpoint, "--path-style", "--backup-id", "base", "--restore-point", point)
	if err := cmd.Run(); err != nil {
		t.Fatalf("orca restore --replace: %v\n%s", err, rout)
	}
	var rep struct{ Reached struct{ GTID string } }
	if err := json.Unmarshal([]byte(lastLine(rout.String())), &rep); err != nil || rep.Reached.GTID != point {
		t.Fatalf("summary (%v): reached %q, want %s\n%s", err, rep.Reached.GTID, point, rout)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM app.w"); n != 7 {
		t.Errorf("%d rows after the restore to %s, want the 3 of the backup and the 4 inserted up to it", n, point)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'junk'"); n != 0 {
		t.Errorf("the schema the backup never had survived the restore")
	}
	if n := queryInt(t, db, "SELECT @@read_only"); n != 0 {
		t.Errorf("the restored server is read-only")
	}
	odb, err := sql.Open("mysql", other.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = odb.Close() }()
	if n := queryInt(t, odb, "SELECT @@read_only"); n != 1 {
		t.Errorf("the other member was not fenced: read_only %d", n)
	}
}

func gtidPos(t *testing.T, db *sql.DB) string {
	t.Helper()
	var pos string
	if err := db.QueryRow("SELECT @@gtid_binlog_pos").Scan(&pos); err != nil {
		t.Fatal(err)
	}
	if pos == "" {
		t.Fatal(fmt.Errorf("no GTID logged"))
	}
	return pos
}
