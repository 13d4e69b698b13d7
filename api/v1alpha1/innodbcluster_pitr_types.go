package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClusterBackupSpec is the cluster's backup configuration.
type ClusterBackupSpec struct {
	// PITR archives the binary log continuously for point-in-time recovery.
	// +optional
	PITR *PITRSpec `json:"pitr,omitempty"`
}

// PITRSpec configures the binary log archiver: a Deployment of one pod running `orca binlog-archive`, which
// follows the primary as a replica and uploads segments under <prefix>/_pitr/ of the storage at least every 5 s.
type PITRSpec struct {
	// Enabled runs the archiver.
	Enabled bool `json:"enabled"`
	// Storage is where the archive goes: the same bucket and prefix as the cluster's backups, so that a restore
	// finds both.
	Storage BackupStorage `json:"storage"`
	// MaxArchiverDowntime is how long the archiver may be down before the chain is reported broken
	// (ArchiverDown), and the shortest binlog_expire_logs_seconds that keeps every binary log until it is
	// archived after such an outage (a shorter one is warned about).
	// +kubebuilder:default="1h"
	// +optional
	MaxArchiverDowntime *metav1.Duration `json:"maxArchiverDowntime,omitempty"`
}

// PITRStatus is the binary log archive's health.
type PITRStatus struct {
	// LatestRestorableTime is the newest point a restore can reach: the last archived transaction's time.
	// +optional
	LatestRestorableTime *metav1.Time `json:"latestRestorableTime,omitempty"`
	// LatestGTIDSet is the GTID set the archive reaches (gtid_executed on MySQL, gtid_binlog_pos on MariaDB).
	// +optional
	LatestGTIDSet string `json:"latestGTIDSet,omitempty"`
	// RestorableSince is the first segment of the unbroken run that ends at LatestRestorableTime.
	// +optional
	RestorableSince int64 `json:"restorableSince,omitempty"`
	// Segments is how many segments the archive holds.
	// +optional
	Segments int32 `json:"segments,omitempty"`
	// LastArchivedAt is when the archiver last wrote a segment.
	// +optional
	LastArchivedAt *metav1.Time `json:"lastArchivedAt,omitempty"`
}

const (
	// ConditionPITRChainHealthy is True when the binary log archive has no gap and its archiver wrote within
	// spec.backup.pitr.maxArchiverDowntime of the cluster's last write. Present only with PITR enabled; it does
	// not weigh on Ready.
	ConditionPITRChainHealthy ConditionType = "PITRChainHealthy"

	// ReasonChainContinuous means every segment follows the previous one and the archiver keeps up.
	ReasonChainContinuous ConditionReason = "ChainContinuous"
	// ReasonSegmentMissing means an index entry's segment is gone from the store; the message names it.
	ReasonSegmentMissing ConditionReason = "SegmentMissing"
	// ReasonBinlogNotArchived means a segment does not start where the previous one ended: binary logs were
	// purged before the archiver read them.
	ReasonBinlogNotArchived ConditionReason = "BinlogNotArchived"
	// ReasonIndexMissing means a sequence number of the archive has no index entry: its segment cannot be
	// found or checked.
	ReasonIndexMissing ConditionReason = "IndexMissing"
	// ReasonArchiverDown means the archiver has not reported (its heartbeat <prefix>/_pitr/archiver.json), or
	// has followed no member, for longer than maxArchiverDowntime.
	ReasonArchiverDown ConditionReason = "ArchiverDown"
	// ReasonArchiveUnreadable means the operator could not read the archive (storage unreachable, credentials
	// missing, a corrupt index entry); the condition is Unknown and the message says why.
	ReasonArchiveUnreadable ConditionReason = "ArchiveUnreadable"
	// ReasonBinlogExpiryTooShort means binlog_expire_logs_seconds is shorter than maxArchiverDowntime: an archiver
	// down that long would find binary logs purged. The chain is whole (the condition stays True).
	ReasonBinlogExpiryTooShort ConditionReason = "BinlogExpiryTooShort"
	// ReasonArchiveEmpty means the archiver has not written a segment yet.
	ReasonArchiveEmpty ConditionReason = "ArchiveEmpty"
)
