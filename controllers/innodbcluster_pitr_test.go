package controllers

import (
	"context"
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// spec.backup.pitr.enabled runs one archiver pod; disabling it deletes the Deployment.
func TestArchiverFollowsPITREnabled(t *testing.T) {
	ns := newNamespace(t)
	c := newCluster(ns, "db")
	c.Spec.Backup = &v1.ClusterBackupSpec{PITR: &v1.PITRSpec{Enabled: true, Storage: v1.BackupStorage{
		S3: v1.S3Storage{Bucket: "backups", Prefix: "prod/db", CredentialsSecret: "s3"}}}}
	createCluster(t, c)
	dep := get(t, key(ns, "db-binlog-archive"), &appsv1.Deployment{})
	if err := ownedBy(dep, c); err != nil {
		t.Error(err)
	}
	ctr := dep.Spec.Template.Spec.Containers[0]
	if *dep.Spec.Replicas != 1 || ctr.Image != "orca:test" ||
		!slices.Contains(ctr.Command, "--source=db-0.db-instances."+ns+".svc.cluster.local:3306") {
		t.Errorf("archiver %d replicas, image %s, command %v", *dep.Spec.Replicas, ctr.Image, ctr.Command)
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var cur v1.InnoDBCluster
		if err := k8s.Get(context.Background(), key(ns, "db"), &cur); err != nil {
			return err
		}
		cur.Spec.Backup.PITR.Enabled = false
		return k8s.Update(context.Background(), &cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, wait, func() error {
		err := k8s.Get(context.Background(), key(ns, "db-binlog-archive"), &appsv1.Deployment{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("archiver deployment still there: %w", err)
		}
		return nil
	})
}
