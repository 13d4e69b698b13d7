package backup_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/test/peers"
)

// putObject writes one object through the store's writer.
func putObject(t *testing.T, st backup.Store, key string, body []byte) {
	t.Helper()
	w, err := st.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("publish %s: %v", key, err)
	}
}

// TestDeleteRemovesOneBackupOnly deletes one backup from a real versitygw: its manifest, chunks and an unfinished
// multipart upload go; a backup whose name extends the deleted one's, beside it, is untouched.
func TestDeleteRemovesOneBackupOnly(t *testing.T) {
	ctx := testCtx(t)
	s3 := peers.StartS3(t, "backups")
	root := s3Store(t, s3, s3.Endpoint, "prod/db", nil)
	gone, kept := root.Sub("nightly-1"), root.Sub("nightly-10")
	for _, st := range []*backup.S3Store{gone, kept} {
		putObject(t, st, "data/t00001/p00001-0001.sql.zst", []byte("chunk"))
		putObject(t, st, backup.ManifestKey, []byte(`{"formatVersion":1}`))
	}
	w, err := gone.Create(ctx, "data/t00002/p00001-0001.sql.zst")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(bytes.Repeat([]byte{'x'}, backup.DefaultPartSize+1)); err != nil { // one part sent
		t.Fatal(err)
	}
	n, err := backup.Delete(ctx, gone)
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if n != 2 {
		t.Errorf("Delete removed %d objects, want 2", n)
	}
	if left, err := gone.List(ctx, ""); err != nil || len(left) != 0 {
		t.Errorf("deleted backup still lists %v (%v)", left, err)
	}
	if _, err := backup.LoadManifest(ctx, gone); !errors.Is(err, backup.ErrIncomplete) {
		t.Errorf("deleted backup: LoadManifest = %v, want ErrIncomplete", err)
	}
	if n, err := gone.AbortUploads(ctx, ""); err != nil || n != 0 {
		t.Errorf("unfinished uploads left after Delete: %d (%v)", n, err)
	}
	left, err := kept.List(ctx, "")
	if err != nil || !slices.Equal(left, []string{"data/t00001/p00001-0001.sql.zst", backup.ManifestKey}) {
		t.Errorf("the other backup lists %v (%v), want its chunk and manifest", left, err)
	}
	if n, err := backup.Delete(ctx, gone); err != nil || n != 0 {
		t.Errorf("deleting again = %d, %v; want 0, nil", n, err)
	}
}
