package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/test/peers"
)

// `orca delete-backup` as the retention Job runs it, against versitygw: the backup's objects go, its summary is
// the termination message, a neighbour stays.
func TestDeleteBackupCommand(t *testing.T) {
	s3 := peers.StartS3(t, "backups")
	root, err := backup.NewS3Store(backup.S3Config{Bucket: "backups", Prefix: "clusters/db", Endpoint: s3.Endpoint,
		PathStyle: true, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range []string{"b1", "b2"} {
		for _, key := range []string{"data/t00001/p00001-0001.sql.zst", backup.ManifestKey} {
			w, err := root.Sub(id).Create(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write([]byte("x"))
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
	env := []string{"AWS_ACCESS_KEY_ID=" + s3.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3.SecretKey}
	term := filepath.Join(t.TempDir(), "termination-log")
	cmd, out := orcaProcess(env, "delete-backup", "--bucket=backups", "--prefix=clusters/db", "--backup-id=b1",
		"--endpoint="+s3.Endpoint, "--path-style", "--termination-log="+term)
	if err := cmd.Run(); err != nil {
		t.Fatalf("orca delete-backup: %v\n%s", err, out)
	}
	var summary struct {
		Location       string
		DeletedObjects int
	}
	msg, _ := os.ReadFile(term)
	if err := json.Unmarshal(msg, &summary); err != nil || summary.DeletedObjects != 2 ||
		summary.Location != "s3://backups/clusters/db/b1" {
		t.Fatalf("termination message %q (%v)", msg, err)
	}
	if left, err := root.List(ctx, ""); err != nil || len(left) != 2 || left[0] != "b2/data/t00001/p00001-0001.sql.zst" {
		t.Fatalf("objects left %v (%v), want b2's two", left, err)
	}
}
