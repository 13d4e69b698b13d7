package events

import (
	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// Events of a cluster's objects (the InnoDBCluster reconciler).
var (
	// SecretGenerated: Orca generated a credentials Secret the cluster did not name.
	SecretGenerated = normal("SecretGenerated", "Create")
	// SecretInvalid: spec.secretName names a Secret that is missing or lacks rootPassword.
	SecretInvalid = warning("SecretInvalid", "Validate")
	// ApplyFailed: the API server refused an object the reconciler applies.
	ApplyFailed = warning("ApplyFailed", "Apply")
	// VolumeExpanded: a data volume claim was grown to the storage the spec asks for.
	VolumeExpanded = normal("VolumeExpanded", "Expand")
	// VolumesDeleted: the data volume claims of a deleted cluster were deleted (whenDeleted=Delete).
	VolumesDeleted = normal("VolumesDeleted", "Delete")
	// VolumesKept: the data volume claims of a deleted cluster were kept (whenDeleted=Retain).
	VolumesKept = normal("VolumesKept", "Delete")
	// SecretsKept: the generated Secrets of a deleted cluster were kept with its retained volumes.
	SecretsKept = normal("SecretsKept", "Delete")
	// SecretAdopted: a cluster took back the Secrets a deleted cluster of its name kept.
	SecretAdopted = normal("SecretAdopted", "Adopt")
	// SecretKeysAdded: an internal Secret older than the router gained the router account's keys.
	SecretKeysAdded = normal("SecretKeysAdded", "Update")
	// MembersColocated: members share a node, or a zone holds a majority of them.
	MembersColocated = warning(Reason(v1.ReasonMembersColocated), "Observe")
	// CRDSchemaOutdated: the installed InnoDBCluster CRD lags the operator; fields it lacks are stripped.
	CRDSchemaOutdated = warning(Reason(v1.ReasonCRDSchemaOutdated), "Observe")
)

// Events of TLS (docs/tls.md).
var (
	// CertificatesIssued: Orca's CA issued or renewed member certificates.
	CertificatesIssued = normal("CertificatesIssued", "Issue")
	// CARenewed: Orca renewed a cluster's CA; the previous one stays trusted until it expires.
	CARenewed = normal("CARenewed", "Issue")
	// TLSInvalid: TLSReady turned False (a user's TLS Secret is missing or refused).
	TLSInvalid = warning("TLSInvalid", "Validate")
)

// Events of MySQLBackups and their verification.
var (
	// BackupStarted: the backup Job started.
	BackupStarted = normal("BackupStarted", "Backup")
	// BackupSucceeded: the backup is complete in its storage.
	BackupSucceeded = normal("BackupSucceeded", "Backup")
	// BackupFailed: the backup Job failed.
	BackupFailed = warning("BackupFailed", "Backup")
	// VerificationStarted: the restore-verify Job started.
	VerificationStarted = normal("VerificationStarted", "Verify")
	// BackupVerified: the backup restored and checked in a scratch server.
	BackupVerified = normal("BackupVerified", "Verify")
	// VerificationFailed: the backup could not be restored or failed its checks.
	VerificationFailed = warning("VerificationFailed", "Verify")
	// BackupObjectsDeleted: a deleted backup's objects were removed from its storage.
	BackupObjectsDeleted = normal("BackupObjectsDeleted", "Delete")
	// BackupDeleteFailed: removing a deleted backup's objects failed; it is retried.
	BackupDeleteFailed = warning("BackupDeleteFailed", "Delete")
)

// Events of a cluster's spec.initDB restore.
var (
	// RestoreStarted: the restore Job loads the backup into the first member.
	RestoreStarted = normal("RestoreStarted", "Restore")
	// RestoreCompleted: the backup is loaded.
	RestoreCompleted = normal("RestoreCompleted", "Restore")
	// RestoreFailed: the restore failed; the group is not bootstrapped.
	RestoreFailed = warning(Reason(v1.ReasonRestoreFailed), "Restore")
)

// Events of MySQLRestores (in-place restores of an existing cluster).
var (
	// InPlaceRestoreSafetyBackup: the pre-restore safety backup was created.
	InPlaceRestoreSafetyBackup = normal("InPlaceRestoreSafetyBackup", "Backup")
	// InPlaceRestoreFenced: writes were stopped and the restore Job started.
	InPlaceRestoreFenced = warning("InPlaceRestoreFenced", "Restore")
	// InPlaceRestoreReforming: the first member holds the restored data; the group is rebooted from it.
	InPlaceRestoreReforming = normal("InPlaceRestoreReforming", "Restore")
	// InPlaceRestoreCompleted: the group is ONLINE on the restored data; writes resumed.
	InPlaceRestoreCompleted = normal("InPlaceRestoreCompleted", "Restore")
	// InPlaceRestoreFailed: the restore failed (the note says whether writes stay stopped).
	InPlaceRestoreFailed = warning("InPlaceRestoreFailed", "Restore")
	// InPlaceRestoreFenceLifted: a restore was deleted after it stopped writes; the cluster loop takes over.
	InPlaceRestoreFenceLifted = warning("InPlaceRestoreFenceLifted", "Restore")
)

// Events of a cluster's binary log archive (point-in-time recovery), from the PITR watcher.
var (
	// PITRChainBroken: PITRChainHealthy turned False (a gap in the chain, or the archiver down).
	PITRChainBroken = warning("PITRChainBroken", "Observe")
	// PITRChainHealthy: PITRChainHealthy turned True again.
	PITRChainHealthy = normal("PITRChainHealthy", "Observe")
	// PITRSegmentsExpired: segments no retained base backup needs were deleted.
	PITRSegmentsExpired = normal("PITRSegmentsExpired", "Delete")
)

// Events of a cluster's backup schedules.
var (
	// BackupScheduled: a schedule created a MySQLBackup.
	BackupScheduled = normal("BackupScheduled", "Schedule")
	// BackupRunsMissed: a schedule missed runs (the operator was down); one backup replaces them.
	BackupRunsMissed = warning("BackupRunsMissed", "Schedule")
	// BackupExpired: a scheduled backup passed its retention and is deleted with its objects.
	BackupExpired = normal("BackupExpired", "Delete")
	// BackupScheduleInvalid: a schedule cannot be parsed.
	BackupScheduleInvalid = warning("BackupScheduleInvalid", "Schedule")
)

// Events of MigrationRuns, one per change of phase or reason.
var (
	// MigrationAwaitingApproval: the run waits for its approval annotation.
	MigrationAwaitingApproval = normal("MigrationAwaitingApproval", "Check")
	// MigrationBlocked: a check refused the run (the note gives the reason).
	MigrationBlocked = warning("MigrationBlocked", "Check")
	// MigrationBackingUp: the run's pre-migration MySQLBackup was created; the Pod waits for it.
	MigrationBackingUp = normal("MigrationBackingUp", "Backup")
	// MigrationStarted: the migration Pod started.
	MigrationStarted = normal("MigrationStarted", "Migrate")
	// MigrationSucceeded: the migrations applied.
	MigrationSucceeded = normal("MigrationSucceeded", "Migrate")
	// MigrationFailed: the run failed (the note gives the reason).
	MigrationFailed = warning("MigrationFailed", "Migrate")
)

// Events of a cluster's loop besides its actions.
var (
	// ActionFailed: an action of the loop failed; the note holds the error.
	ActionFailed = warning("ActionFailed", "Act")
	// ErrantTransactionsDiscarded: a clone allowed by allow-errant-wipe discards a member's errant GTID set,
	// which the note records first.
	ErrantTransactionsDiscarded = warning("ErrantTransactionsDiscarded", "Act")
	// MemberUnreachable: a member can no longer be queried, or for a new cause; the note holds the full error.
	MemberUnreachable = warning("MemberUnreachable", "Observe")
	// RebalanceDone: a requested rebalance ended.
	RebalanceDone = normal("RebalanceDone", "Rebalance")
)
