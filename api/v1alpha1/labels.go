package v1alpha1

// Every label, annotation and finalizer key Orca reads or writes lives here.
const (
	// LabelCluster names the InnoDBCluster an object belongs to.
	LabelCluster = "mysql.orca.dev/cluster"
	// LabelComponent is "mysql" for server pods and "router" for router pods.
	LabelComponent = "mysql.orca.dev/component"
	// LabelRole is "primary" or "secondary" on server pods; the primary and replica Services select on it.
	LabelRole = "mysql.orca.dev/role"
	// LabelManagedBy marks objects Orca manages.
	LabelManagedBy = "app.kubernetes.io/managed-by"

	// ComponentMySQL is the LabelComponent value of server pods.
	ComponentMySQL = "mysql"
	// ComponentRouter is the LabelComponent value of router pods.
	ComponentRouter = "router"
	// RolePrimary is the LabelRole value of the primary.
	RolePrimary = "primary"
	// RoleSecondary is the LabelRole value of secondaries.
	RoleSecondary = "secondary"
	// ManagedByOrca is the LabelManagedBy value.
	ManagedByOrca = "orca"

	// AnnotationSwitchoverTo asks for a switchover to the named pod.
	AnnotationSwitchoverTo = "mysql.orca.dev/switchover-to"
	// AnnotationForceRebootFrom forces a reboot after a complete outage from the named pod, even without a
	// majority of members reachable. Transactions only the missing members have may be lost.
	AnnotationForceRebootFrom = "mysql.orca.dev/force-reboot-from"
	// AnnotationForceQuorum forces quorum from the reachable members when set to "true".
	AnnotationForceQuorum = "mysql.orca.dev/force-quorum"
	// AnnotationAllowErrantWipe lets Orca clone over a member with errant transactions when set to "true".
	AnnotationAllowErrantWipe = "mysql.orca.dev/allow-errant-wipe"
	// AnnotationRebalance, set to "true", asks Orca to move colocated members apart: one secondary at a time,
	// each only while the group keeps quorum without it, the primary only after a switchover. Orca removes it
	// when nothing more can be moved.
	AnnotationRebalance = "mysql.orca.dev/rebalance"
	// AnnotationRebalanceMoved records, as a JSON object, the members a rebalance moved and the node each left
	// (member -> node), so each is moved at most once per request; Orca removes it with AnnotationRebalance.
	AnnotationRebalanceMoved = "mysql.orca.dev/rebalance-moved"
	// AnnotationConfigHash on pods records the my.cnf content they started with; a change rolls the pods.
	AnnotationConfigHash = "mysql.orca.dev/config-hash"
	// AnnotationClusterGeneration is on the StatefulSet: the cluster generation it was last applied from. A
	// StatefulSet that lags the cluster's generation, or whose status lags its own, is not observed yet, so
	// the cluster is Progressing and not Ready.
	AnnotationClusterGeneration = "mysql.orca.dev/cluster-generation"
	// AnnotationTLSHash on pods records the TLS material they started with (the rotation epoch of Orca's
	// certificates, or a hash of the user's Secrets); a change rolls the pods, since mysqld reads its
	// certificate when it starts.
	AnnotationTLSHash = "mysql.orca.dev/tls-hash"
	// AnnotationTLSEpoch on Orca's <name>-tls Secret counts the renewals that replaced certificates members
	// had loaded; the pods' AnnotationTLSHash follows it.
	AnnotationTLSEpoch = "mysql.orca.dev/tls-epoch"
	// AnnotationRouterHash on router pods records a hash of what they read when they start (their command and
	// the router account's credentials from the internal Secret); a change rolls them.
	AnnotationRouterHash = "mysql.orca.dev/router-hash"
	// AnnotationOnlineRestarts on pods records the mysql container's restart count when Orca last saw the
	// member ONLINE in the group. A pod whose container restarted since then loses its role label and
	// readiness gate until Orca has seen it ONLINE again.
	AnnotationOnlineRestarts = "mysql.orca.dev/online-restart-count"
	// AnnotationDNSWeights sets the members' DNS SRV weights: "pod=weight,..." (0-65535); others get 100.
	AnnotationDNSWeights = "mysql.orca.dev/dns-weights"
	// AnnotationDNSLagThreshold is the applier queue above which a secondary's SRV weight is 0; default 100,
	// negative disables it.
	AnnotationDNSLagThreshold = "mysql.orca.dev/dns-lag-threshold"

	// LabelMigrationHook names the MigrationHook a MigrationRun (and its Pod) belongs to.
	LabelMigrationHook = "mysql.orca.dev/migration-hook"
	// LabelMigrationRun names the MigrationRun a migration Pod or pre-migration MySQLBackup belongs to.
	LabelMigrationRun = "mysql.orca.dev/migration-run"
	// AnnotationApprovedBy on a MigrationRun approves it (what `kubectl orca approve` sets); its value names who
	// approved and is copied to status.approvedBy.
	AnnotationApprovedBy = "mysql.orca.dev/approved-by"

	// Finalizer lets Orca release a cluster's volumes and watchers before it disappears.
	Finalizer = "mysql.orca.dev/finalizer"
)

// Keys of MySQLBackups and their Jobs.
const (
	// BackupFinalizer lets Orca stop a backup's Job before the backup disappears.
	BackupFinalizer = "mysql.orca.dev/backup"
	// LabelBackup names the MySQLBackup a Job belongs to.
	LabelBackup = "mysql.orca.dev/backup"
	// ComponentBackup is the LabelComponent value of backup Jobs and their pods.
	ComponentBackup = "backup"
	// ComponentBackupVerify is the LabelComponent value of restore-verify Jobs and their pods.
	ComponentBackupVerify = "backup-verify"
	// ComponentInitDB is the LabelComponent value of a cluster's initDB restore Job and its pod.
	ComponentInitDB = "initdb"
	// ComponentBinlogArchive is the LabelComponent value of the binary log archiver's pod.
	ComponentBinlogArchive = "binlog-archive"
	// LabelBackupSchedule names the spec.backupSchedules entry that created a MySQLBackup.
	LabelBackupSchedule = "mysql.orca.dev/backup-schedule"
	// AnnotationScheduledTime on a scheduled MySQLBackup is the time (RFC 3339, UTC) its schedule named.
	AnnotationScheduledTime = "mysql.orca.dev/scheduled-time"
	// AnnotationDeleteObjects, "true" on a MySQLBackup, deletes its objects in S3 (by a Job running
	// `orca delete-backup`) before the MySQLBackup itself goes. Retention sets it on the backups it expires.
	AnnotationDeleteObjects = "mysql.orca.dev/delete-objects"
	// ComponentBackupDelete is the LabelComponent value of the Jobs that delete a backup's objects.
	ComponentBackupDelete = "backup-delete"
	// KeyS3AccessKeyID and KeyS3SecretAccessKey are the keys of a backup's S3 credentials Secret.
	KeyS3AccessKeyID     = "accessKeyId"
	KeyS3SecretAccessKey = "secretAccessKey"
)

// Keys of MySQLRestores (in-place restores).
const (
	// RestoreFinalizer lets Orca lift a restore's fence and stop its Job before the restore disappears.
	RestoreFinalizer = "mysql.orca.dev/restore"
	// LabelRestore names the MySQLRestore a Job or a safety MySQLBackup belongs to.
	LabelRestore = "mysql.orca.dev/restore"
	// ComponentRestore is the LabelComponent value of in-place restore Jobs and their pods.
	ComponentRestore = "restore"
	// AnnotationRestoreFence on a cluster names the MySQLRestore that stopped its writes: the cluster loop
	// leaves the members alone (the restore Job fenced them) and no backup or migration of the cluster starts.
	// Only the restore controller sets and removes it.
	AnnotationRestoreFence = "mysql.orca.dev/restore-fence"
	// AnnotationRestoreReform, "true" beside AnnotationRestoreFence, hands the restored first member to the
	// cluster loop: it reboots the group from it and clones the other members over (their data is the old one).
	AnnotationRestoreReform = "mysql.orca.dev/restore-reform"
)
