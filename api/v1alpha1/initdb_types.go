package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// InitDBSpec fills a new cluster with data before its group is bootstrapped. It is set at creation and never
// changes.
// +kubebuilder:validation:XValidation:rule="!has(self.restorePoint) || has(self.dump)",message="initDB.restorePoint replays the binary log archive onto initDB.dump: name the base backup"
type InitDBSpec struct {
	// Dump restores a logical backup (a MySQLBackup, or a backup location in S3) into the first member before
	// the group is bootstrapped; the other members join afterwards and copy the data from it.
	// +optional
	Dump *InitDBDump `json:"dump,omitempty"`
	// RestorePoint, after the dump is restored, replays the source cluster's binary log archive
	// (<prefix>/_pitr/ of the dump's storage) up to this point: an RFC 3339 time (every transaction logged
	// before it), a GTID set (stops right after the transaction completing it), or "latest". The archive's
	// chain is checked before anything is restored; the point reached is reported in status.initDB.reached.
	// A failed replay is not retried (the Job's pod runs once).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	RestorePoint string `json:"restorePoint,omitempty"`
}

// InitDBDump names the backup to restore: a MySQLBackup of the namespace, or its storage and location.
// +kubebuilder:validation:XValidation:rule="has(self.backupName) != has(self.storage)",message="initDB.dump names either backupName or storage and location"
// +kubebuilder:validation:XValidation:rule="has(self.storage) == has(self.location)",message="initDB.dump.storage and initDB.dump.location go together"
type InitDBDump struct {
	// BackupName names a MySQLBackup in the cluster's namespace; the restore waits until it succeeded and
	// fails if it failed.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	BackupName string `json:"backupName,omitempty"`
	// Storage is the bucket holding the backup, when no MySQLBackup names it (a backup of another namespace
	// or Kubernetes cluster); its credentials Secret is read from this cluster's namespace.
	// +optional
	Storage *BackupStorage `json:"storage,omitempty"`
	// Location is the backup's id under storage.s3.prefix: its objects are <prefix>/<location>/ (a
	// MySQLBackup's are under its name).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[^/]+$`
	// +optional
	Location string `json:"location,omitempty"`
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

// InitDBPhase is where a cluster's initDB restore is.
// +kubebuilder:validation:Enum=Pending;Running;Completed;Failed
type InitDBPhase string

const (
	// InitDBPending means the restore waits: for its MySQLBackup to succeed, or for the first member.
	InitDBPending InitDBPhase = "Pending"
	// InitDBRunning means the restore Job loads the backup into the first member.
	InitDBRunning InitDBPhase = "Running"
	// InitDBCompleted means the backup is restored; the group is bootstrapped from it.
	InitDBCompleted InitDBPhase = "Completed"
	// InitDBFailed means the restore failed; the group is never bootstrapped on the partial copy.
	InitDBFailed InitDBPhase = "Failed"
)

// InitDBStatus is what Orca observed of the initDB restore.
type InitDBStatus struct {
	// Phase is Pending, Running, Completed or Failed.
	// +optional
	Phase InitDBPhase `json:"phase,omitempty"`
	// Location is the URL of the backup restored, s3://<bucket>/<prefix>/<location>.
	// +optional
	Location string `json:"location,omitempty"`
	// JobName is the Job that runs `orca restore` into the first member.
	// +optional
	JobName string `json:"jobName,omitempty"`
	// StartTime is when the restore Job was created.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// CompletionTime is when the restore completed or failed.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// RestoreSeconds is how long the restore took, in whole seconds rounded up.
	// +optional
	RestoreSeconds *int64 `json:"restoreSeconds,omitempty"`
	// Message says what the restore waits for, or why it failed.
	// +optional
	Message string `json:"message,omitempty"`
	// Reached is the point the replay of the binary log archive reached, with spec.initDB.restorePoint.
	// +optional
	Reached *RestorePointReached `json:"reached,omitempty"`
}

// RestorePointReached is where a replay of the binary log archive stopped.
type RestorePointReached struct {
	// RestorePoint is spec.initDB.restorePoint.
	RestorePoint string `json:"restorePoint"`
	// GTID is the last transaction replayed; empty when the backup already was at the point.
	// +optional
	GTID string `json:"gtid,omitempty"`
	// Time is that transaction's time.
	// +optional
	Time *metav1.Time `json:"time,omitempty"`
	// GTIDSet is the restored member's GTID set: the backup's plus every transaction replayed.
	// +optional
	GTIDSet string `json:"gtidSet,omitempty"`
	// Transactions is how many transactions were replayed.
	// +optional
	Transactions int32 `json:"transactions,omitempty"`
}
