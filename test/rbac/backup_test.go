package rbac

import (
	"context"
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// backupStartedThenDeleted: a backup of a one-member cluster runs as a Job against its primary (no secondary
// exists); deleted while it runs, its Job goes with it and the finalizer lets the backup go.
func (s *suite) backupStartedThenDeleted(t *testing.T) {
	c := s.newCluster(t, "bk", 1, func(ic *v1.InnoDBCluster) {
		ic.Spec.DatadirRetentionPolicy = &v1.DatadirRetentionPolicy{WhenDeleted: v1.RetentionDelete}
	})
	c.waitOnline(120 * time.Second)
	ctx := context.Background()
	b := &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: "nightly"},
		Spec: v1.MySQLBackupSpec{ClusterName: c.name, Storage: v1.BackupStorage{S3: v1.S3Storage{
			Bucket: "backups", CredentialsSecret: "s3"}}}}
	if err := s.admin.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	c.eventually(60*time.Second, func() error {
		if err := s.admin.Get(ctx, c.key(b.Name), b); err != nil {
			return err
		}
		if b.Status.Phase != v1.BackupRunning || b.Status.SourceRole != "PRIMARY" {
			return fmt.Errorf("backup %s/%s: %s", b.Status.Phase, b.Status.SourceRole, b.Status.Message)
		}
		return s.admin.Get(ctx, c.key(specs.BackupJobName(b)), &batchv1.Job{})
	})
	if err := s.admin.Delete(ctx, b); err != nil {
		t.Fatal(err)
	}
	c.eventually(60*time.Second, func() error {
		if err := s.admin.Get(ctx, c.key(b.Name), &v1.MySQLBackup{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("backup still exists: %w", err)
		}
		var j batchv1.Job
		if err := s.admin.Get(ctx, c.key(specs.BackupJobName(b)), &j); err == nil && j.DeletionTimestamp.IsZero() {
			return fmt.Errorf("job %s not deleted", j.Name)
		}
		return nil
	})
	c.delete()
	c.waitDeletedWithData()
}
