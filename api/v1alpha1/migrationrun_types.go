package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MigrationPhase is where a run is in its life.
// +kubebuilder:validation:Enum=Pending;AwaitingApproval;Blocked;BackingUp;Running;Succeeded;Failed
type MigrationPhase string

const (
	// MigrationPending means the run was stored and waits for its prechecks and its turn.
	MigrationPending MigrationPhase = "Pending"
	// MigrationAwaitingApproval means the hook requires approval and nobody has approved the run yet.
	MigrationAwaitingApproval MigrationPhase = "AwaitingApproval"
	// MigrationBlocked means a precheck failed; status.reason says which. Orca checks again until it passes,
	// except when the run is blocked for good (status.completionTime is set): RunInProgress under Forbid, and the
	// runner's prechecks on the commit's files (LintFindings, MissingPrimaryKey, TransactionTooLarge), which
	// refuse the run before its first statement.
	MigrationBlocked MigrationPhase = "Blocked"
	// MigrationBackingUp means the pre-migration backup is being taken.
	MigrationBackingUp MigrationPhase = "BackingUp"
	// MigrationRunning means the migration Pod runs.
	MigrationRunning MigrationPhase = "Running"
	// MigrationSucceeded means every migration file of the commit is applied.
	MigrationSucceeded MigrationPhase = "Succeeded"
	// MigrationFailed means a statement or the runner failed; status.failure says where.
	MigrationFailed MigrationPhase = "Failed"
)

// MigrationReason says why a run is in its phase. Each reason is documented in docs/migrations.md.
type MigrationReason string

const (
	// ReasonClusterNotOnline blocks a run while the cluster is not ONLINE with every member ONLINE.
	ReasonClusterNotOnline MigrationReason = "ClusterNotOnline"
	// ReasonFlowControlActive blocks a run while Group Replication's flow control throttles the group's writers:
	// a member's certifier or applier queue is at its flow control threshold.
	ReasonFlowControlActive MigrationReason = "FlowControlActive"
	// ReasonApplierQueueHigh blocks a run while a secondary's applier queue is over the hook's maxApplierQueue:
	// a migration would make the lag worse.
	ReasonApplierQueueHigh MigrationReason = "ApplierQueueHigh"
	// ReasonRunInProgress blocks a run while another run of the cluster is in progress.
	ReasonRunInProgress MigrationReason = "RunInProgress"
	// ReasonBackupInProgress blocks a run while a backup of the cluster is in progress.
	ReasonBackupInProgress MigrationReason = "BackupInProgress"
	// ReasonMissingPrimaryKey blocks a run whose migration creates a table without a primary key (Group
	// Replication refuses writes to it).
	ReasonMissingPrimaryKey MigrationReason = "MissingPrimaryKey"
	// ReasonTransactionTooLarge blocks a run with a statement predicted to exceed
	// group_replication_transaction_size_limit.
	ReasonTransactionTooLarge MigrationReason = "TransactionTooLarge"
	// ReasonLintFindings blocks a run whose lint found errors under lintPolicy block.
	ReasonLintFindings MigrationReason = "LintFindings"
	// ReasonApproved means someone approved the run; status.approvedBy names them.
	ReasonApproved MigrationReason = "Approved"
	// ReasonStatementFailed means a statement failed; status.failure names it and MySQL's error.
	ReasonStatementFailed MigrationReason = "StatementFailed"
	// ReasonChecksumMismatch means a file that was already applied changed in the repository; nothing was run.
	ReasonChecksumMismatch MigrationReason = "ChecksumMismatch"
	// ReasonCloneFailed means the repository could not be cloned at the commit.
	ReasonCloneFailed MigrationReason = "CloneFailed"
	// ReasonLockLost means the run's Lease was taken over (its fencing token changed) before a statement.
	ReasonLockLost MigrationReason = "LockLost"
	// ReasonPodFailed means the migration Pod failed without a result from the runner.
	ReasonPodFailed MigrationReason = "PodFailed"
	// ReasonHookMissing means the run's MigrationHook no longer exists; the run cannot start.
	ReasonHookMissing MigrationReason = "HookMissing"
	// ReasonBackupUnavailable blocks a run whose hook asks for preMigrationBackup when the cluster has no backup
	// profile to take it with (none, or not the one preMigrationBackupProfile names): a run that was promised a
	// backup does not start without one.
	ReasonBackupUnavailable MigrationReason = "BackupUnavailable"
	// ReasonBackupFailed means the pre-migration MySQLBackup failed (or disappeared); nothing was run.
	ReasonBackupFailed MigrationReason = "BackupFailed"
	// ReasonOutOfOrder means an unapplied file has a version below one that was applied; nothing was run.
	ReasonOutOfOrder MigrationReason = "OutOfOrder"
	// ReasonSuperseded means a newer run replaced this one under concurrencyPolicy Replace.
	ReasonSuperseded MigrationReason = "Superseded"
)

// AppliedMigration is one versioned file the run applied (or found applied).
type AppliedMigration struct {
	// Version is the file's version: V<version>__<name>.sql.
	Version string `json:"version"`
	// File is the file's name.
	File string `json:"file"`
	// Checksum is the SHA-256 of the file's content, hex.
	Checksum string `json:"checksum"`
	// Statements is how many statements the file has; all of them are applied.
	Statements int32 `json:"statements"`
	// GTIDAfter is the server's GTID position after the file's last statement (@@gtid_executed on MySQL,
	// @@gtid_binlog_pos on MariaDB).
	// +optional
	GTIDAfter string `json:"gtidAfter,omitempty"`
}

// MigrationFailure is the statement that stopped a run.
type MigrationFailure struct {
	// File is the migration file.
	File string `json:"file"`
	// StatementIndex is the statement's position in the file, from 0.
	StatementIndex int32 `json:"statementIndex"`
	// Statement is the statement's text, cut at 1,024 bytes.
	// +optional
	Statement string `json:"statement,omitempty"`
	// Error is MySQL's error (or the runner's).
	Error string `json:"error"`
}

// LintFinding is one thing the built-in lint found in a migration.
type LintFinding struct {
	// File is the migration file.
	File string `json:"file"`
	// StatementIndex is the statement's position in the file, from 0.
	StatementIndex int32 `json:"statementIndex"`
	// Rule names the check: Destructive, TableRewrite, GRIncompatible or MissingPrimaryKey.
	Rule string `json:"rule"`
	// Severity is warning or error.
	// +kubebuilder:validation:Enum=warning;error
	Severity string `json:"severity"`
	// Message says what was found.
	Message string `json:"message"`
}

// MigrationRunSpec is one accepted delivery: what to apply, from whom. It never changes.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="a run's spec is immutable: it records the delivery"
type MigrationRunSpec struct {
	// HookName is the MigrationHook that accepted the delivery.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	HookName string `json:"hookName"`
	// ClusterName is the hook's cluster when the delivery arrived.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=52
	ClusterName string `json:"clusterName"`
	// Commit is the full SHA of the commit to migrate to (the push's head).
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{40}([0-9a-f]{24})?$`
	Commit string `json:"commit"`
	// Ref is the pushed ref, for example refs/heads/main.
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Ref string `json:"ref,omitempty"`
	// Sender is who pushed, as the provider names them.
	// +kubebuilder:validation:MaxLength=255
	// +optional
	Sender string `json:"sender,omitempty"`
	// DeliveryID is the provider's delivery id (X-GitHub-Delivery, X-Gitlab-Webhook-UUID or webhook-id); the
	// run's name derives from it, so a redelivery finds the run instead of creating another.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	DeliveryID string `json:"deliveryId"`
	// Event is the delivery's event type.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	Event string `json:"event,omitempty"`
}

// MigrationRunStatus is what Orca and the migration Pod report about a run.
type MigrationRunStatus struct {
	// Phase is where the run is.
	// +optional
	Phase MigrationPhase `json:"phase,omitempty"`
	// Reason says why the run is in its phase (Blocked and Failed always have one).
	// +optional
	Reason MigrationReason `json:"reason,omitempty"`
	// Message says the same for people.
	// +optional
	Message string `json:"message,omitempty"`
	// PodName is the migration Pod.
	// +optional
	PodName string `json:"podName,omitempty"`
	// Version is the last version applied.
	// +optional
	Version string `json:"version,omitempty"`
	// Applied lists each file applied, in order, with its checksum and the GTID after it.
	// +listType=atomic
	// +optional
	Applied []AppliedMigration `json:"applied,omitempty"`
	// Failure is the statement that stopped the run, when one did.
	// +optional
	Failure *MigrationFailure `json:"failure,omitempty"`
	// Lint lists the lint findings.
	// +listType=atomic
	// +optional
	Lint []LintFinding `json:"lint,omitempty"`
	// ApprovedBy is who approved the run, from the annotation mysql.orca.dev/approved-by.
	// +optional
	ApprovedBy string `json:"approvedBy,omitempty"`
	// BackupName is the pre-migration MySQLBackup.
	// +optional
	BackupName string `json:"backupName,omitempty"`
	// BackupGTID is the GTID set the pre-migration backup holds.
	// +optional
	BackupGTID string `json:"backupGtid,omitempty"`
	// StartTime is when the migration Pod was created.
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// CompletionTime is when the run reached Succeeded or Failed, or was blocked for good.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`
	// Conditions are the typed conditions of the run.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// MigrationRun is one accepted delivery of a MigrationHook and the migration it starts. Its name derives from
// the delivery id, so a redelivered webhook never runs a migration twice.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mr,categories=orca
// +kubebuilder:printcolumn:name="Hook",type=string,JSONPath=`.spec.hookName`
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.spec.clusterName`
// +kubebuilder:printcolumn:name="Ref",type=string,JSONPath=`.spec.ref`
// +kubebuilder:printcolumn:name="Commit",type=string,JSONPath=`.spec.commit`,description="the commit migrated to"
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.version`,description="last version applied"
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.reason`
// +kubebuilder:printcolumn:name="Sender",type=string,JSONPath=`.spec.sender`,priority=1
// +kubebuilder:printcolumn:name="Pod",type=string,JSONPath=`.status.podName`,priority=1
// +kubebuilder:printcolumn:name="Approved By",type=string,JSONPath=`.status.approvedBy`,priority=1
// +kubebuilder:printcolumn:name="Started",type=date,JSONPath=`.status.startTime`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MigrationRun struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the accepted delivery.
	Spec MigrationRunSpec `json:"spec"`
	// Status is the observed state, written by Orca.
	// +optional
	Status MigrationRunStatus `json:"status,omitempty"`
}

// MigrationRunList is a list of MigrationRuns.
// +kubebuilder:object:root=true
type MigrationRunList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the runs.
	Items []MigrationRun `json:"items"`
}

func init() {
	register(&MigrationRun{}, &MigrationRunList{})
}
