//go:build playgroundbackup

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/testutil"
)

// TestSampleBackupVerifiesInThePlayground runs `up` with every addon, as a user would, and waits for
// config/samples' MySQLBackup to succeed and be verified: its backup Job ran `orca backup` into the playground's
// S3 server and its restore-verify Job loaded it into a scratch MariaDB and compared every table. It binds the
// playground's fixed ports, so it runs on its own (`make test-playground-backup`, a step of `make test` after the
// other packages' tests).
func TestSampleBackupVerifiesInThePlayground(t *testing.T) {
	pg := newPlayground(t)
	pg.mustRun("up")
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(pg.state, "cluster", "kubeconfig"))
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	var b v1.MySQLBackup
	err = testutil.Poll(10*time.Minute, time.Second, func() error {
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: "mycluster-first"},
			&b); err != nil {
			return err
		}
		if b.Status.Phase == v1.BackupFailed {
			t.Fatalf("backup failed: %s", b.Status.Message)
		}
		if b.Status.Verified != nil && !*b.Status.Verified {
			t.Fatalf("backup %s, verified %v: %s", b.Status.Phase, *b.Status.Verified, b.Status.Message)
		}
		if b.Status.Phase != v1.BackupSucceeded || b.Status.Verified == nil {
			return fmt.Errorf("backup %s, not verified yet", b.Status.Phase)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the sample backup: %v", err)
	}
	if b.Status.Location == "" || b.Status.GTIDSet == "" || b.Status.RestoreSeconds == nil {
		t.Fatalf("verified backup's status lacks its location, GTID set or restore time: %+v", b.Status)
	}
}
