package pitrwatch

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/backup/pitr"
	"github.com/orca-operator/orca/internal/events"
)

// retain deletes the segments no retained base backup of the cluster needs (pitr.Expire): index entries
// first, so that a pass cut short leaves segment objects without an entry (removed by the next pass), never an
// entry without its segment (a gap).
func (w *Watcher) retain(ctx context.Context, c *v1.InnoDBCluster, a archive) error {
	sets, ok, err := w.retainedBackups(ctx, c)
	if err != nil || !ok {
		return err
	}
	e, err := pitr.Expire(a.segs, a.present, sets)
	if err != nil || len(e.SegmentKeys) == 0 {
		return err
	}
	if err := a.store.Delete(ctx, e.IndexKeys...); err != nil {
		return fmt.Errorf("delete expired PITR index entries: %w", err)
	}
	if err := a.store.Delete(ctx, e.SegmentKeys...); err != nil {
		return fmt.Errorf("delete expired PITR segments: %w", err)
	}
	w.Log.Info("expired binary log segments no retained backup needs", "cluster", client.ObjectKeyFromObject(c),
		"through", e.Through, "segments", len(e.SegmentKeys), "backups", len(sets))
	events.Emit(w.Recorder, c, nil, events.PITRSegmentsExpired,
		"deleted %d segment objects through segment %d: the oldest of %d retained backups holds them",
		len(e.SegmentKeys), e.Through, len(sets))
	return nil
}

// retainedBackups are the GTID sets of the cluster's succeeded MySQLBackups stored where its archive is. ok is
// false when one of them has no GTID set: nothing can be judged unneeded then.
func (w *Watcher) retainedBackups(ctx context.Context, c *v1.InnoDBCluster) ([]string, bool, error) {
	var list v1.MySQLBackupList
	if err := w.Client.List(ctx, &list, client.InNamespace(c.Namespace)); err != nil {
		return nil, false, fmt.Errorf("list the backups of %s: %w", c.Name, err)
	}
	archive := c.Spec.Backup.PITR.Storage.S3
	var sets []string
	for _, b := range list.Items {
		s3 := b.Spec.Storage.S3
		if b.Spec.ClusterName != c.Name || b.Status.Phase != v1.BackupSucceeded || s3.Bucket != archive.Bucket ||
			s3.Prefix != archive.Prefix || s3.Endpoint != archive.Endpoint {
			continue
		}
		if b.Status.GTIDSet == "" {
			return nil, false, nil
		}
		sets = append(sets, b.Status.GTIDSet)
	}
	return sets, true, nil
}
