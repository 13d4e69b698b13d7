package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/testutil"
)

// orcaProcess starts `orca <args>` as its own process (the test binary, see helperEnv).
func orcaProcess(env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), env...), helperEnv+"="+strings.Join(args, "\t"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

func tableChecksums(t *testing.T, db *sql.DB, tables ...string) string {
	t.Helper()
	var b strings.Builder
	for _, tb := range tables {
		var name string
		var sum sql.NullString
		if err := db.QueryRow("CHECKSUM TABLE "+tb).Scan(&name, &sum); err != nil {
			t.Fatalf("checksum %s: %v", tb, err)
		}
		fmt.Fprintf(&b, "%s=%s ", tb, sum.String)
	}
	return b.String()
}

// `orca backup` and `orca restore` as the Jobs run them: flags and environment, a JSON summary, and a restore
// killed with SIGKILL part-way that resumes when run again.
func TestBackupAndKilledRestoreCommands(t *testing.T) {
	src, dst := peers.StartMariaDB(t), peers.StartMariaDB(t)
	s3 := peers.StartS3(t, "backups")
	srcDB, err := sql.Open("mysql", src.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srcDB.Close() }()
	for _, s := range []string{"CREATE DATABASE app", "CREATE TABLE app.a (id INT PRIMARY KEY, v VARCHAR(200))",
		"INSERT INTO app.a SELECT seq, REPEAT(CHAR(65 + seq % 26), 100) FROM app.seq_1_to_150000",
		"CREATE TABLE app.b (k VARCHAR(20), n INT)", "INSERT INTO app.b SELECT seq, seq FROM app.seq_1_to_1000",
		"ANALYZE TABLE app.a"} {
		if _, err := srcDB.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	env := []string{"ORCA_BACKUP_USER=root", "ORCA_BACKUP_PASSWORD=", "AWS_ACCESS_KEY_ID=" + s3.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s3.SecretKey}
	store := []string{"--bucket=backups", "--prefix=clusters/db", "--backup-id=b1", "--endpoint=" + s3.Endpoint,
		"--path-style", "--threads=2"}
	term := filepath.Join(t.TempDir(), "termination-log")
	backup, out := orcaProcess(env, append([]string{"backup", "--host=127.0.0.1", "--port=" + strconv.Itoa(src.Port),
		"--chunk-bytes=65536", "--termination-log=" + term}, store...)...)
	if err := backup.Run(); err != nil {
		t.Fatalf("orca backup: %v\n%s", err, out)
	}
	var summary struct {
		Location string
		Size     int64
		Rows     int64
	}
	msg, _ := os.ReadFile(term)
	if err := json.Unmarshal(msg, &summary); err != nil || summary.Rows != 151000 || summary.Size == 0 ||
		summary.Location != "s3://backups/clusters/db/b1" {
		t.Fatalf("termination message %q (%v)", msg, err)
	}

	dstDB, err := sql.Open("mysql", dst.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = dstDB.Close() }()
	restoreArgs := append([]string{"restore", "--host=127.0.0.1", "--port=" + strconv.Itoa(dst.Port)}, store...)
	killed, kout := orcaProcess(env, restoreArgs...)
	if err := killed.Start(); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 60*time.Second, func() error {
		var n int
		err := dstDB.QueryRow("SELECT COUNT(*) FROM _orca_restore.progress WHERE item LIKE 'data/%'").Scan(&n)
		if err != nil || n < 3 {
			return fmt.Errorf("%d chunks restored (%w)", n, err)
		}
		return nil
	})
	_ = killed.Process.Signal(syscall.SIGKILL)
	if err := killed.Wait(); err == nil {
		t.Fatalf("the restore finished before it was killed: make the data set larger\n%s", kout)
	}
	resumed, rout := orcaProcess(env, append(restoreArgs, "--verify")...)
	if err := resumed.Run(); err != nil {
		t.Fatalf("resumed orca restore: %v\n%s", err, rout)
	}
	var res struct {
		Location                    string
		LoadedChunks, SkippedChunks int
		Verified                    bool
	}
	if err := json.Unmarshal([]byte(lastLine(rout.String())), &res); err != nil || res.SkippedChunks < 3 ||
		!res.Verified || res.Location != "s3://backups/clusters/db/b1" {
		t.Fatalf("resumed restore summary %q (%v): want at least 3 chunks skipped, the backup's location",
			lastLine(rout.String()), err)
	}
	want, got := tableChecksums(t, srcDB, "app.a", "app.b"), tableChecksums(t, dstDB, "app.a", "app.b")
	if want != got {
		t.Fatalf("after the killed and resumed restore: %s, source %s", got, want)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
