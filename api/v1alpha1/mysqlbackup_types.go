package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BackupPhase is where a backup is in its life.
// +kubebuilder:validation:Enum=Pending;Running;Succeeded;Failed
type BackupPhase string

const (
	// BackupPending means the backup waits: for its cluster, for an ONLINE member, or for another backup of the
	// same cluster to end (status.message says which).
	BackupPending BackupPhase = "Pending"
	// BackupRunning means the `orca backup` Job runs.
	BackupRunning BackupPhase = "Running"
	// BackupSucceeded means the manifest was written: the backup is complete and restorable.
	BackupSucceeded BackupPhase = "Succeeded"
	// BackupFailed means the Job failed; nothing at the location is usable (a backup without its manifest is
	// never restored).
	BackupFailed BackupPhase = "Failed"
)

// BackupConditionType names a condition of a MySQLBackup.
type BackupConditionType string

const (
	// BackupConditionComplete is True once the backup succeeded, False while it waits, runs or after it failed.
	BackupConditionComplete BackupConditionType = "Complete"
	// BackupConditionVerified is True once a restore-verify Job loaded the backup into a scratch instance and
	// found every table's row count and digest equal to the manifest's; False while it waits or runs, after it
	// failed, or when spec.verify is false.
	BackupConditionVerified BackupConditionType = "Verified"
)

// BackupReason says why a backup's Complete condition has its status. Each is documented in docs/backup.md.
type BackupReason string

const (
	// BackupReasonClusterNotFound means spec.clusterName names no InnoDBCluster in the namespace.
	BackupReasonClusterNotFound BackupReason = "ClusterNotFound"
	// BackupReasonNoOnlineMember means no member of the cluster is ONLINE to take the backup from.
	BackupReasonNoOnlineMember BackupReason = "NoOnlineMember"
	// BackupReasonWaitingForBackup means another backup of the cluster runs; backups of a cluster run one at a
	// time.
	BackupReasonWaitingForBackup BackupReason = "WaitingForBackup"
	// BackupReasonWaitingForRestore means a MySQLRestore replaces the cluster's data (the cluster carries its
	// restore fence); the backup starts once it ended.
	BackupReasonWaitingForRestore BackupReason = "WaitingForRestore"
	// BackupReasonRunning means the backup Job runs against status.source.
	BackupReasonRunning BackupReason = "Running"
	// BackupReasonSucceeded means the backup completed; status.location holds it.
	BackupReasonSucceeded BackupReason = "Succeeded"
	// BackupReasonJobFailed means the backup Job failed; status.message has its error.
	BackupReasonJobFailed BackupReason = "JobFailed"

	// Reasons of the Verified condition.

	// BackupReasonVerificationDisabled means spec.verify is false: the backup is never verified.
	BackupReasonVerificationDisabled BackupReason = "VerificationDisabled"
	// BackupReasonWaitingForVerification means another verification of the same cluster runs; verifications of
	// a cluster run one at a time.
	BackupReasonWaitingForVerification BackupReason = "WaitingForVerification"
	// BackupReasonVerifying means the restore-verify Job runs.
	BackupReasonVerifying BackupReason = "Verifying"
	// BackupReasonVerified means the restored copy matched the manifest: status.verified is true.
	BackupReasonVerified BackupReason = "Verified"
	// BackupReasonObjectCorrupt means an object of the backup failed its size or SHA-256 check; the message
	// names the object (the chunk).
	BackupReasonObjectCorrupt BackupReason = "ObjectCorrupt"
	// BackupReasonVerificationMismatch means the restored copy differs from the manifest (a row count or a
	// digest); the message names the table.
	BackupReasonVerificationMismatch BackupReason = "VerificationMismatch"
	// BackupReasonVerifyJobFailed means the restore-verify Job failed for another reason (the backup is
	// incomplete, the store or the scratch instance failed); the message has its error.
	BackupReasonVerifyJobFailed BackupReason = "VerifyJobFailed"
)

// S3Storage locates backups in an S3 bucket (AWS or any S3-compatible server).
type S3Storage struct {
	// Bucket is the bucket name.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	Bucket string `json:"bucket"`
	// Prefix is the key prefix of this cluster's backups; each backup lives under <prefix>/<backup name>/.
	// +kubebuilder:validation:MaxLength=512
	// +optional
	Prefix string `json:"prefix,omitempty"`
	// Region is the bucket's region.
	// +kubebuilder:default="us-east-1"
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Region string `json:"region,omitempty"`
	// Endpoint is the server's base URL for S3-compatible servers (https://s3.example.com); empty for AWS.
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^https?://`
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// PathStyle addresses the bucket as <endpoint>/<bucket>/<key>, as most S3-compatible servers want.
	// +optional
	PathStyle bool `json:"pathStyle,omitempty"`
	// CredentialsSecret names a Secret in the backup's namespace with keys accessKeyId and secretAccessKey.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	CredentialsSecret string `json:"credentialsSecret"`
}

// BackupStorage is where a backup goes.
type BackupStorage struct {
	// S3 is an S3 bucket.
	S3 S3Storage `json:"s3"`
}

// BackupOptions tune how a backup is taken.
type BackupOptions struct {
	// Threads is the number of dump workers, each with its own connection in the same consistent snapshot.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=64
	// +kubebuilder:default=4
	// +optional
	Threads int32 `json:"threads,omitempty"`
	// CompressionLevel is zstd's level, 1 (fastest) to 19 (smallest).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=19
	// +kubebuilder:default=3
	// +optional
	CompressionLevel int32 `json:"compressionLevel,omitempty"`
	// UsersAndGrants includes the accounts and their grants (the server's own and Orca's accounts excepted).
	// +optional
	UsersAndGrants bool `json:"usersAndGrants,omitempty"`
}

// MySQLBackupSpec asks for one backup of a cluster. It cannot change once created.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="a backup's spec is immutable: create another MySQLBackup"
type MySQLBackupSpec struct {
	// ClusterName is the InnoDBCluster to back up, in the backup's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=52
	ClusterName string `json:"clusterName"`
	// Storage is where the backup goes.
	Storage BackupStorage `json:"storage"`
	// Options tune the dump.
	// +optional
	Options BackupOptions `json:"options,omitempty"`
	// Verify runs a restore-verify Job once the backup succeeded: the backup is loaded into a scratch instance
	// and every table's row count and digest compared with the manifest's. On unless set to false.
	// +kubebuilder:default=true
	// +optional
	Verify *bool `json:"verify,omitempty"`
}

// MySQLBackupStatus is what Orca observed of the backup.
type MySQLBackupStatus struct {
	// Phase is Pending, Running, Succeeded or Failed.
	// +optional
	Phase BackupPhase `json:"phase,omitempty"`
	// StartTime is when the backup Job was created.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// CompletionTime is when the backup succeeded or failed.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Source is the member pod the backup is taken from.
	// +optional
	Source string `json:"source,omitempty"`
	// SourceRole is SECONDARY, or PRIMARY when no secondary was ONLINE.
	// +optional
	SourceRole string `json:"sourceRole,omitempty"`
	// JobName is the Job that runs `orca backup`.
	// +optional
	JobName string `json:"jobName,omitempty"`
	// Location is the backup's URL, s3://<bucket>/<prefix>/<name>.
	// +optional
	Location string `json:"location,omitempty"`
	// SizeBytes is the size of the backup's objects (compressed).
	// +optional
	SizeBytes int64 `json:"sizeBytes,omitempty"`
	// GTIDSet is the source's GTID set at the snapshot: the backup holds exactly these transactions.
	// +optional
	GTIDSet string `json:"gtidSet,omitempty"`
	// Message says what the backup waits for, or why it failed.
	// +optional
	Message string `json:"message,omitempty"`
	// Verified is true when a restore of the backup into a scratch instance matched the manifest, false when it
	// failed (the Verified condition says why); unset until a verification ended or when spec.verify is false.
	// +optional
	Verified *bool `json:"verified,omitempty"`
	// VerifiedAt is when the verification ended, passed or failed.
	// +optional
	VerifiedAt *metav1.Time `json:"verifiedAt,omitempty"`
	// RestoreSeconds is the measured recovery time: how long the verification's restore took to load the
	// backup into the scratch instance, in whole seconds rounded up (checking the copy not included).
	// +optional
	RestoreSeconds *int64 `json:"restoreSeconds,omitempty"`
	// VerifyJobName is the Job that runs `orca restore --verify` against a scratch instance.
	// +optional
	VerifyJobName string `json:"verifyJobName,omitempty"`
	// Conditions are the typed conditions (Complete, Verified).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// MySQLBackup is one logical backup of an InnoDBCluster, taken by a Job running `orca backup` against an ONLINE
// secondary (the primary only when no secondary is ONLINE), streamed to S3.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mbk,categories=orca
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.spec.clusterName`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Source",type=string,JSONPath=`.status.source`
// +kubebuilder:printcolumn:name="Size",type=integer,JSONPath=`.status.sizeBytes`
// +kubebuilder:printcolumn:name="Verified",type=boolean,JSONPath=`.status.verified`
// +kubebuilder:printcolumn:name="Location",type=string,JSONPath=`.status.location`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MySQLBackup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the requested backup.
	Spec MySQLBackupSpec `json:"spec"`
	// Status is the observed state, written by Orca.
	// +optional
	Status MySQLBackupStatus `json:"status,omitempty"`
}

// MySQLBackupList is a list of MySQLBackups.
// +kubebuilder:object:root=true
type MySQLBackupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the backups.
	Items []MySQLBackup `json:"items"`
}

func init() {
	register(&MySQLBackup{}, &MySQLBackupList{})
}
