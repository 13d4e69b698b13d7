package backup_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/test/peers"
)

// TestSnapshotIsConsistentUnderWrites dumps while sysbench writes, restores, then replays the source's binary log
// from the recorded position onto the restored copy: only if the snapshot is exactly at that position do the
// two end identical.
func TestSnapshotIsConsistentUnderWrites(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	src := peers.StartMariaDB(t, "--log-bin=binlog", "--server-id=1", "--binlog-format=ROW")
	dst := peers.StartMariaDB(t, "--server-id=2")
	s3 := peers.StartS3(t, "backups")
	srcDB, dstDB := openDB(t, src), openDB(t, dst)
	mustExec(t, srcDB, "CREATE DATABASE sbtest")
	sb := sysbench(t, src, "prepare", "--time=0")
	if out, err := sb.CombinedOutput(); err != nil {
		t.Fatalf("sysbench prepare: %v: %s", err, out)
	}
	mustExec(t, srcDB, "ANALYZE TABLE sbtest.sbtest1, sbtest.sbtest2")
	run := sysbench(t, src, "run", "--time=120")
	var out bytes.Buffer
	run.Stdout, run.Stderr = &out, &out
	if err := run.Start(); err != nil {
		t.Fatalf("sysbench run: %v", err)
	}
	defer func() { _ = run.Process.Kill(); _ = run.Wait() }()
	time.Sleep(time.Second) // writes are flowing before the snapshot
	st := s3Store(t, s3, s3.Endpoint, "consistent/b1", nil)
	m, err := backup.Dump(ctx, backup.DumpOptions{Source: server(src), Store: st, ID: "b1", Threads: 4,
		ChunkBytes: 128 << 10})
	if err != nil {
		t.Fatalf("dump under writes: %v\nsysbench: %s", err, out.String())
	}
	time.Sleep(500 * time.Millisecond) // and keep flowing after it
	_ = run.Process.Kill()
	_ = run.Wait()
	if m.Position.BinlogFile == "" || m.Position.GTIDSet == "" {
		t.Fatalf("no position recorded: %+v", m.Position)
	}
	if len(findTable(t, m, "sbtest", "sbtest1").Chunks) < 2 {
		t.Fatal("sbtest1 was not split into chunks")
	}
	_, err = backup.Restore(ctx, backup.RestoreOptions{Target: server(dst), Store: st, Threads: 4,
		SetGTIDPurged: true})
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	// Replication from the source with MASTER_USE_GTID=slave_pos would start right after the snapshot.
	var slavePos string
	if err := dstDB.QueryRow("SELECT @@GLOBAL.gtid_slave_pos").Scan(&slavePos); err != nil ||
		slavePos != m.Position.GTIDSet {
		t.Fatalf("gtid_slave_pos of the copy %q (%v), snapshot at %q", slavePos, err, m.Position.GTIDSet)
	}
	replayed := replayBinlog(ctx, t, src, dst, m.Position)
	if replayed == 0 {
		t.Fatal("nothing was written after the snapshot: the test proves nothing")
	}
	compareChecksums(t, checksums(t, srcDB), checksums(t, dstDB))
}

func sysbench(t *testing.T, m *peers.MariaDB, cmd string, extra ...string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("sysbench")
	if err != nil {
		t.Fatalf("sysbench not installed: run `make test-deps` (hack/peers.sh): %v", err)
	}
	args := append([]string{"oltp_write_only", "--mysql-host=127.0.0.1", "--mysql-port=" + strconv.Itoa(m.Port),
		"--mysql-user=root", "--mysql-db=sbtest", "--tables=2", "--table-size=20000", "--threads=2",
		"--db-ps-mode=disable", "--mysql-ignore-errors=all"}, extra...)
	return exec.Command(bin, append(args, cmd)...)
}

// replayBinlog pipes the source's binary log from pos to its end into dst and returns the bytes replayed.
func replayBinlog(ctx context.Context, t *testing.T, src, dst *peers.MariaDB, pos backup.Position) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(src.Dir, "data", "binlog.[0-9]*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var from []string
	for _, f := range files {
		if filepath.Base(f) >= pos.BinlogFile {
			from = append(from, f)
		}
	}
	if len(from) == 0 {
		t.Fatalf("binlog %s not found among %v", pos.BinlogFile, files)
	}
	args := append([]string{"--start-position=" + strconv.FormatUint(pos.BinlogPos, 10)}, from...)
	events, err := exec.CommandContext(ctx, "mariadb-binlog", args...).Output()
	if err != nil {
		t.Fatalf("mariadb-binlog: %v", err)
	}
	load := exec.CommandContext(ctx, "mariadb", "--no-defaults", "-h127.0.0.1", "-P"+strconv.Itoa(dst.Port),
		"-uroot")
	load.Stdin = bytes.NewReader(events)
	if out, err := load.CombinedOutput(); err != nil {
		_ = os.WriteFile(filepath.Join(t.TempDir(), "events.sql"), events, 0o644)
		t.Fatalf("replay the binary log into the copy: %v: %s", err, out)
	}
	return bytes.Count(events, []byte("Xid = "))
}
