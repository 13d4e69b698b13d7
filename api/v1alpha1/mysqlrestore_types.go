package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RestorePhase is where an in-place restore is in its life.
// +kubebuilder:validation:Enum=Pending;BackingUp;Restoring;Reforming;Completed;Failed
type RestorePhase string

const (
	// RestorePhasePending means the restore waits: for its cluster, its backup, or another operation of the
	// cluster (a restore, a backup, a migration) to end; status.message says which. Nothing was changed yet.
	RestorePhasePending RestorePhase = "Pending"
	// RestorePhaseBackingUp means the pre-restore safety backup (status.safetyBackupName) runs; the cluster
	// still serves.
	RestorePhaseBackingUp RestorePhase = "BackingUp"
	// RestorePhaseRestoring means writes are stopped: the cluster carries the restore fence, the restore Job
	// made every member super_read_only, left the group and replaces the first member's data.
	RestorePhaseRestoring RestorePhase = "Restoring"
	// RestorePhaseReforming means the first member holds the restored data: the cluster loop reboots the group
	// from it and clones the other members from it.
	RestorePhaseReforming RestorePhase = "Reforming"
	// RestorePhaseCompleted means the group is ONLINE again on the restored data; the fence is lifted.
	RestorePhaseCompleted RestorePhase = "Completed"
	// RestorePhaseFailed means the restore failed. If it failed after writes were stopped, the fence stays
	// (no member serves a partial copy) until the MySQLRestore is deleted (docs/backup.md).
	RestorePhaseFailed RestorePhase = "Failed"
)

// RestoreConditionType names a condition of a MySQLRestore.
type RestoreConditionType string

const (
	// RestoreConditionComplete is True once the group is ONLINE on the restored data, False before and after a
	// failure.
	RestoreConditionComplete RestoreConditionType = "Complete"
)

// RestoreReason says why a restore's Complete condition has its status. Each is documented in docs/backup.md.
type RestoreReason string

const (
	// RestoreReasonClusterNotFound means spec.clusterName names no InnoDBCluster in the namespace.
	RestoreReasonClusterNotFound RestoreReason = "ClusterNotFound"
	// RestoreReasonBackupNotFound means spec.backupName names no MySQLBackup in the namespace.
	RestoreReasonBackupNotFound RestoreReason = "BackupNotFound"
	// RestoreReasonWaitingForBackup means the named backup has not succeeded yet.
	RestoreReasonWaitingForBackup RestoreReason = "WaitingForBackup"
	// RestoreReasonBackupFailed means the named backup failed: it can never be restored.
	RestoreReasonBackupFailed RestoreReason = "BackupFailed"
	// RestoreReasonOperationInProgress means another restore, a backup Job or a migration of the cluster runs.
	RestoreReasonOperationInProgress RestoreReason = "OperationInProgress"
	// RestoreReasonSafetyBackupRunning means the pre-restore safety backup runs.
	RestoreReasonSafetyBackupRunning RestoreReason = "SafetyBackupRunning"
	// RestoreReasonSafetyBackupFailed means the pre-restore safety backup failed; nothing was changed.
	RestoreReasonSafetyBackupFailed RestoreReason = "SafetyBackupFailed"
	// RestoreReasonRestoring means the restore Job runs.
	RestoreReasonRestoring RestoreReason = "Restoring"
	// RestoreReasonJobFailed means the restore Job failed; the message has its error.
	RestoreReasonJobFailed RestoreReason = "JobFailed"
	// RestoreReasonReforming means the group is rebooted from the restored member.
	RestoreReasonReforming RestoreReason = "Reforming"
	// RestoreReasonRestored means the group is ONLINE on the restored data.
	RestoreReasonRestored RestoreReason = "Restored"
)

// MySQLRestoreSpec asks to replace an existing cluster's data by a backup, optionally replayed to a point of
// its binary log archive. It cannot change once created.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="a restore's spec is immutable: create another MySQLRestore"
// +kubebuilder:validation:XValidation:rule="self.confirm == self.clusterName",message="spec.confirm must repeat spec.clusterName: an in-place restore stops writes and replaces every member's data"
type MySQLRestoreSpec struct {
	// ClusterName is the InnoDBCluster whose data is replaced, in the restore's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=52
	ClusterName string `json:"clusterName"`
	// BackupName is the MySQLBackup to restore, in the same namespace; it must have succeeded.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	BackupName string `json:"backupName"`
	// RestorePoint, after the backup is restored, replays the binary log archive of the backup's storage
	// (<prefix>/_pitr/) up to this point: an RFC 3339 time, a GTID set, or "latest". The chain is checked
	// before writes are stopped.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	RestorePoint string `json:"restorePoint,omitempty"`
	// Confirm must repeat clusterName: the restore stops the cluster's writes and replaces the data of every
	// member, which no later step can undo (the safety backup aside).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=52
	Confirm string `json:"confirm"`
	// SafetyBackup takes a MySQLBackup of the cluster (named <restore>-pre-restore, in the restored backup's
	// storage) before writes are stopped; the restore fails without changing anything if it fails. On unless
	// set to false.
	// +kubebuilder:default=true
	// +optional
	SafetyBackup *bool `json:"safetyBackup,omitempty"`
	// Threads is the number of loading workers.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=64
	// +kubebuilder:default=4
	// +optional
	Threads int32 `json:"threads,omitempty"`
	// UsersAndGrants restores the backup's accounts and grants, when it holds them.
	// +optional
	UsersAndGrants bool `json:"usersAndGrants,omitempty"`
}

// MySQLRestoreStatus is what Orca observed of the restore.
type MySQLRestoreStatus struct {
	// Phase is Pending, BackingUp, Restoring, Reforming, Completed or Failed.
	// +optional
	Phase RestorePhase `json:"phase,omitempty"`
	// SafetyBackupName is the MySQLBackup taken before writes were stopped.
	// +optional
	SafetyBackupName string `json:"safetyBackupName,omitempty"`
	// JobName is the Job that runs `orca restore --replace` into the first member.
	// +optional
	JobName string `json:"jobName,omitempty"`
	// Location is the URL of the backup restored.
	// +optional
	Location string `json:"location,omitempty"`
	// FencedAt is when writes were stopped (the cluster got the restore fence).
	// +optional
	FencedAt *metav1.Time `json:"fencedAt,omitempty"`
	// ReformStartedAt is when the restored member was handed to the cluster loop to reboot the group from.
	// +optional
	ReformStartedAt *metav1.Time `json:"reformStartedAt,omitempty"`
	// CompletionTime is when the restore completed or failed.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Reached is the point the replay of the binary log archive reached, with spec.restorePoint.
	// +optional
	Reached *RestorePointReached `json:"reached,omitempty"`
	// Message says what the restore waits for, or why it failed.
	// +optional
	Message string `json:"message,omitempty"`
	// Conditions are the typed conditions (Complete).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// MySQLRestore replaces the data of an existing InnoDBCluster by a MySQLBackup (and, with a restore point, its
// binary log archive): writes are stopped, the first member's data replaced, the group rebooted from it and the
// other members cloned from it. One restore of a cluster runs at a time, never beside its backups or migrations.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mrs,categories=orca
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.spec.clusterName`
// +kubebuilder:printcolumn:name="Backup",type=string,JSONPath=`.spec.backupName`
// +kubebuilder:printcolumn:name="Point",type=string,JSONPath=`.spec.restorePoint`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MySQLRestore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the requested restore.
	Spec MySQLRestoreSpec `json:"spec"`
	// Status is the observed state, written by Orca.
	// +optional
	Status MySQLRestoreStatus `json:"status,omitempty"`
}

// MySQLRestoreList is a list of MySQLRestores.
// +kubebuilder:object:root=true
type MySQLRestoreList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the restores.
	Items []MySQLRestore `json:"items"`
}

func init() {
	register(&MySQLRestore{}, &MySQLRestoreList{})
}
