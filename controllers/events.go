package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// eventKind is one entry of the catalogue of events the reconciler emits.
type eventKind struct {
	typ    string
	reason string
	action string
}

// The catalogue: every event Orca's reconciler emits is one of these.
var (
	evSecretGenerated = eventKind{corev1.EventTypeNormal, "SecretGenerated", "Create"}
	evSecretInvalid   = eventKind{corev1.EventTypeWarning, "SecretInvalid", "Validate"}
	evApplyFailed     = eventKind{corev1.EventTypeWarning, "ApplyFailed", "Apply"}
	evVolumeExpanded  = eventKind{corev1.EventTypeNormal, "VolumeExpanded", "Expand"}
	evVolumesDeleted  = eventKind{corev1.EventTypeNormal, "VolumesDeleted", "Delete"}
	evVolumesKept     = eventKind{corev1.EventTypeNormal, "VolumesKept", "Delete"}
	evSecretsKept     = eventKind{corev1.EventTypeNormal, "SecretsKept", "Delete"}
	evSecretAdopted   = eventKind{corev1.EventTypeNormal, "SecretAdopted", "Adopt"}
	evSecretKeysAdded = eventKind{corev1.EventTypeNormal, "SecretKeysAdded", "Update"}
	// TLS (docs/tls.md): certificates issued or renewed by Orca's CA, the CA renewed, a TLS Secret refused.
	evCertificatesIssued = eventKind{corev1.EventTypeNormal, "CertificatesIssued", "Issue"}
	evCARenewed          = eventKind{corev1.EventTypeNormal, "CARenewed", "Issue"}
	evTLSInvalid         = eventKind{corev1.EventTypeWarning, "TLSInvalid", "Validate"}
	// evMembersColocated names members that share a node, or a zone holding a majority of them.
	evMembersColocated = eventKind{corev1.EventTypeWarning, string(v1.ReasonMembersColocated), "Observe"}
	// evCRDSchemaOutdated says the installed CRD lags this operator (fields written are stripped).
	evCRDSchemaOutdated = eventKind{corev1.EventTypeWarning, string(v1.ReasonCRDSchemaOutdated), "Observe"}
)

func emit(r recorder.EventRecorder, obj runtime.Object, ev eventKind, format string, args ...any) {
	if r == nil {
		return
	}
	r.Eventf(obj, nil, ev.typ, ev.reason, ev.action, format, args...)
}

// Events of MySQLBackups.
var (
	evBackupStarted   = eventKind{corev1.EventTypeNormal, "BackupStarted", "Backup"}
	evBackupSucceeded = eventKind{corev1.EventTypeNormal, "BackupSucceeded", "Backup"}
	evBackupFailed    = eventKind{corev1.EventTypeWarning, "BackupFailed", "Backup"}
)

// Events of MySQLBackups' verification.
var (
	evVerifyStarted  = eventKind{corev1.EventTypeNormal, "VerificationStarted", "Verify"}
	evBackupVerified = eventKind{corev1.EventTypeNormal, "BackupVerified", "Verify"}
	evVerifyFailed   = eventKind{corev1.EventTypeWarning, "VerificationFailed", "Verify"}
)

// Events of a cluster's spec.initDB restore.
var (
	evRestoreStarted   = eventKind{corev1.EventTypeNormal, "RestoreStarted", "Restore"}
	evRestoreCompleted = eventKind{corev1.EventTypeNormal, "RestoreCompleted", "Restore"}
	evRestoreFailed    = eventKind{corev1.EventTypeWarning, string(v1.ReasonRestoreFailed), "Restore"}
)

// Events of backup schedules (on the cluster) and of the deletion of a backup's objects (on the backup).
var (
	evBackupScheduled       = eventKind{corev1.EventTypeNormal, "BackupScheduled", "Schedule"}
	evBackupRunsMissed      = eventKind{corev1.EventTypeWarning, "BackupRunsMissed", "Schedule"}
	evBackupExpired         = eventKind{corev1.EventTypeNormal, "BackupExpired", "Delete"}
	evBackupScheduleInvalid = eventKind{corev1.EventTypeWarning, "BackupScheduleInvalid", "Schedule"}
	evBackupObjectsDeleted  = eventKind{corev1.EventTypeNormal, "BackupObjectsDeleted", "Delete"}
	evBackupDeleteFailed    = eventKind{corev1.EventTypeWarning, "BackupDeleteFailed", "Delete"}
)

// Events of MigrationRuns, one per change of phase or reason.
var (
	evMigrationAwaitingApproval = eventKind{corev1.EventTypeNormal, "MigrationAwaitingApproval", "Check"}
	evMigrationBlocked          = eventKind{corev1.EventTypeWarning, "MigrationBlocked", "Check"}
	evMigrationStarted          = eventKind{corev1.EventTypeNormal, "MigrationStarted", "Migrate"}
	evMigrationSucceeded        = eventKind{corev1.EventTypeNormal, "MigrationSucceeded", "Migrate"}
	evMigrationFailed           = eventKind{corev1.EventTypeWarning, "MigrationFailed", "Migrate"}
)
