package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/test/peers"
)

// `orca restore --verify` as the restore-verify Job runs it, against MariaDB and versitygw: the termination
// message carries the measured restore time on success and, for a corrupted chunk, the failure kind and the
// chunk's key.
func TestRestoreVerifyReportsTimeAndCorruptChunk(t *testing.T) {
	src, clean, dirty := peers.StartMariaDB(t), peers.StartMariaDB(t), peers.StartMariaDB(t)
	s3 := peers.StartS3(t, "backups")
	srcDB, err := sql.Open("mysql", src.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srcDB.Close() }()
	for _, s := range []string{"CREATE DATABASE app", "CREATE TABLE app.t (id INT PRIMARY KEY, v TEXT)",
		"INSERT INTO app.t SELECT seq, REPEAT('x', seq % 100) FROM app.seq_1_to_5000"} {
		if _, err := srcDB.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	env := []string{"ORCA_BACKUP_USER=root", "ORCA_BACKUP_PASSWORD=", "AWS_ACCESS_KEY_ID=" + s3.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s3.SecretKey}
	store := []string{"--bucket=backups", "--prefix=v", "--backup-id=b1", "--endpoint=" + s3.Endpoint,
		"--path-style", "--threads=1"}
	if cmd, out := orcaProcess(env, append([]string{"backup", "--host=127.0.0.1",
		"--port=" + strconv.Itoa(src.Port), "--chunk-bytes=32768"}, store...)...); cmd.Run() != nil {
		t.Fatalf("orca backup failed:\n%s", out)
	}

	rep, err := verifyRestore(t, env, store, clean)
	if err != nil || !rep.Verified || rep.RestoreSeconds <= 0 || rep.Rows != 5000 || rep.Failure != "" {
		t.Fatalf("restore --verify of a sound backup: %+v (%v)", rep, err)
	}

	victim := corruptLastChunk(t, s3)
	rep, err = verifyRestore(t, env, store, dirty)
	if err == nil || rep.Verified || rep.Failure != backup.FailureCorrupt || rep.Object != victim {
		t.Fatalf("restore --verify of a corrupt chunk: %+v (%v), want failure corrupt naming %s", rep, err, victim)
	}
}

// verifyRestore runs `orca restore --verify` into target and returns its termination message.
func verifyRestore(t *testing.T, env, store []string, target *peers.MariaDB) (backup.RestoreReport, error) {
	t.Helper()
	term := filepath.Join(t.TempDir(), "termination-log")
	cmd, _ := orcaProcess(env, append([]string{"restore", "--verify", "--wait-server=30s",
		"--termination-log=" + term, "--host=127.0.0.1", "--port=" + strconv.Itoa(target.Port)}, store...)...)
	runErr := cmd.Run()
	var rep backup.RestoreReport
	msg, err := os.ReadFile(term)
	if err != nil {
		t.Fatalf("no termination message: %v", err)
	}
	if err := json.Unmarshal(msg, &rep); err != nil {
		t.Fatalf("termination message %q: %v", msg, err)
	}
	return rep, runErr
}

// corruptLastChunk flips one bit in the middle of the backup's last chunk and returns its key.
func corruptLastChunk(t *testing.T, s3 *peers.S3) string {
	t.Helper()
	dir := filepath.Join(s3.Dir, "backups", "v", "b1")
	raw, err := os.ReadFile(filepath.Join(dir, backup.ManifestKey))
	if err != nil {
		t.Fatal(err)
	}
	m, err := backup.ParseManifest(raw)
	if err != nil {
		t.Fatal(err)
	}
	chunks := m.Tables[0].Chunks
	victim := chunks[len(chunks)-1].Key
	b, err := os.ReadFile(filepath.Join(dir, victim))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(filepath.Join(dir, victim), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return victim
}
