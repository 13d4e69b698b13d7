package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/peers"
)

// The playground's S3 server, as config/samples/mysql_v1alpha1_mysqlbackup.yaml expects it.
const (
	playgroundS3       = "127.0.0.1:7480"
	playgroundS3Key    = "orcaplayground"
	playgroundS3Secret = "orcaplaygroundsecret"
	playgroundBucket   = "backups"
)

// s3Addon runs versitygw (hack/versitygw.sh builds and caches it) on 127.0.0.1:7480 over a folder of the state
// directory, with the bucket the sample backup writes to.
type s3Addon struct{}

func (s3Addon) Name() string { return "s3" }

func (s3Addon) Up(ctx context.Context, env *Env) error {
	bin, err := peers.VersitygwBinary()
	if err != nil {
		return err
	}
	dir, err := env.Dir("s3")
	if err != nil {
		return err
	}
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(filepath.Join(root, playgroundBucket), 0o755); err != nil {
		return fmt.Errorf("make bucket: %w", err)
	}
	p, err := env.Start(controlplane.ProcessSpec{Name: "s3", Path: bin, Args: []string{"--access", playgroundS3Key,
		"--secret", playgroundS3Secret, "--port", playgroundS3, "posix", root}})
	if err != nil {
		return err
	}
	if err := waitHTTP(ctx, "http://"+playgroundS3+"/", p.Done()); err != nil {
		return fmt.Errorf("versitygw on %s: %w; see %s", playgroundS3, err, p.LogPath())
	}
	env.Note("S3 server (versitygw) on http://%s, bucket %s, keys %s / %s; objects under %s", playgroundS3,
		playgroundBucket, playgroundS3Key, playgroundS3Secret, filepath.Join(root, playgroundBucket))
	return nil
}

// waitHTTP waits until url answers at all (any status), or the process ends.
func waitHTTP(ctx context.Context, url string, done <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("exited: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}
