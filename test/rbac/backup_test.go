package rbac

import (
	"context"
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

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
	s.restoreWaitsThenDeleted(t, c)
	s.scheduledBackupsExpire(t, c)
	c.delete()
	c.waitDeletedWithData()
}

// scheduledBackupsExpire: a schedule every 5 s with keepLast 1 creates backups (kwok completes their Jobs) and
// deletes the older ones, each after a delete Job for its objects (kwok completes it too).
func (s *suite) scheduledBackupsExpire(t *testing.T, c *cluster) {
	ctx := context.Background()
	c.eventually(30*time.Second, func() error {
		var ic v1.InnoDBCluster
		if err := s.admin.Get(ctx, c.key(c.name), &ic); err != nil {
			return err
		}
		ic.Spec.BackupSchedules = []v1.BackupSchedule{{Name: "often", Schedule: "@every 5s",
			Storage:   &v1.BackupStorage{S3: v1.S3Storage{Bucket: "backups", CredentialsSecret: "s3"}},
			Retention: &v1.BackupRetention{KeepLast: ptr.To[int32](1)}}}
		return s.admin.Update(ctx, &ic)
	})
	seen := map[string]bool{}
	c.eventually(90*time.Second, func() error {
		var list v1.MySQLBackupList
		if err := s.admin.List(ctx, &list, client.InNamespace(c.ns),
			client.MatchingLabels{v1.LabelBackupSchedule: "often"}); err != nil {
			return err
		}
		now := map[string]bool{}
		for _, b := range list.Items {
			now[b.Name], seen[b.Name] = true, true
		}
		for name := range seen {
			if !now[name] {
				return nil // retention deleted it, after its delete Job
			}
		}
		return fmt.Errorf("%d scheduled backups, none expired yet", len(list.Items))
	})
}

// restoreWaitsThenDeleted: an in-place restore naming a backup that does not exist waits (its finalizer and
// status written under the role), then goes when deleted.
func (s *suite) restoreWaitsThenDeleted(t *testing.T, c *cluster) {
	ctx := context.Background()
	rs := &v1.MySQLRestore{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: "undo"},
		Spec: v1.MySQLRestoreSpec{ClusterName: c.name, BackupName: "missing", Confirm: c.name}}
	if err := s.admin.Create(ctx, rs); err != nil {
		t.Fatal(err)
	}
	c.eventually(60*time.Second, func() error {
		if err := s.admin.Get(ctx, c.key(rs.Name), rs); err != nil {
			return err
		}
		if rs.Status.Phase != v1.RestorePhasePending || len(rs.Finalizers) == 0 {
			return fmt.Errorf("restore %s (%s), finalizers %v", rs.Status.Phase, rs.Status.Message, rs.Finalizers)
		}
		return nil
	})
	if err := s.admin.Delete(ctx, rs); err != nil {
		t.Fatal(err)
	}
	c.eventually(60*time.Second, func() error {
		if err := s.admin.Get(ctx, c.key(rs.Name), &v1.MySQLRestore{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("restore still exists: %w", err)
		}
		return nil
	})
}
