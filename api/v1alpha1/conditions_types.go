package v1alpha1

// ConditionType names a condition of an InnoDBCluster.
type ConditionType string

const (
	// ConditionReady is True when the group is ONLINE with every desired member and the Kubernetes objects
	// are applied. It is derived from the other conditions in one place.
	ConditionReady ConditionType = "Ready"
	// ConditionResourcesReady is True when every Kubernetes object of the cluster is applied and its pods run.
	ConditionResourcesReady ConditionType = "ResourcesReady"
	// ConditionGroupOnline is True when Group Replication has quorum and a primary.
	ConditionGroupOnline ConditionType = "GroupOnline"
	// ConditionMembersOnline is True when every desired member is ONLINE in the group.
	ConditionMembersOnline ConditionType = "MembersOnline"
	// ConditionRouterReady is True when the router Deployment has as many Ready pods as spec.router.instances,
	// or when no router is asked for.
	ConditionRouterReady ConditionType = "RouterReady"
	// ConditionMembersSpread is True when no two members' pods share a node and no zone holds a majority of the
	// members (where the nodes span enough zones to avoid it). It does not weigh on Ready: the group serves
	// either way; it says whether a single node or zone loss could cost more than one member, or quorum.
	ConditionMembersSpread ConditionType = "MembersSpread"
	// ConditionDNSPublished is True when the operator's last RFC 2136 update of the external DNS server
	// (--dns-publish-server) succeeded. Present only while publishing is configured; it does not weigh on Ready.
	ConditionDNSPublished ConditionType = "DNSPublished"
	// ConditionProgressing is True while the cluster moves to its spec: members are added or removed, a rolling
	// upgrade or configuration change goes through the members, or the StatefulSet has not taken the current
	// generation yet. Ready is False while it is True.
	ConditionProgressing ConditionType = "Progressing"
	// ConditionCRDSchemaCurrent is True when the installed InnoDBCluster CRD matches the one this operator was
	// built with. False (ReasonCRDSchemaOutdated) means an upgrade left the CRDs behind: the API server strips
	// the fields the installed schema lacks from every write; the message names them. It does not weigh on Ready.
	ConditionCRDSchemaCurrent ConditionType = "CRDSchemaCurrent"
	// ConditionInitDBRestored is True once the spec.initDB restore completed; present only with spec.initDB.
	// Ready stays False until it is True: the group is not bootstrapped before (docs/backup.md).
	ConditionInitDBRestored ConditionType = "InitDBRestored"
	// ConditionBackupSchedulesValid is True when every spec.backupSchedules entry parses (its cron schedule and
	// time zone); False names the first that does not, which then takes no backups. Absent without schedules.
	// It does not weigh on Ready.
	ConditionBackupSchedulesValid ConditionType = "BackupSchedulesValid"
	// ConditionTLSReady is True when every member has a certificate its clients can verify: issued by Orca's
	// CA (ReasonCertificatesIssued) or read from spec.tlsSecretName and signed by the CA of spec.tlsCASecretName
	// (ReasonTLSSecretValid). False names the Secret and what is wrong with it; the pods then keep the
	// material they have. It does not weigh on Ready (docs/tls.md).
	ConditionTLSReady ConditionType = "TLSReady"
)

// ConditionReason says why a condition has its status. Each reason is documented in docs/operations.md.
type ConditionReason string

const (
	// ReasonApplied means every Kubernetes object was created or updated.
	ReasonApplied ConditionReason = "Applied"
	// ReasonApplyFailed means an object could not be applied; the message names it.
	ReasonApplyFailed ConditionReason = "ApplyFailed"
	// ReasonPodsNotReady means some MySQL pods are not Running and Ready yet.
	ReasonPodsNotReady ConditionReason = "PodsNotReady"
	// ReasonSecretInvalid means the credentials Secret lacks a key Orca needs.
	ReasonSecretInvalid ConditionReason = "SecretInvalid"
	// ReasonCRDSchemaMatches means the installed CRD is the one this operator was built with.
	ReasonCRDSchemaMatches ConditionReason = "CRDSchemaMatches"
	// ReasonCRDSchemaOutdated means the installed CRD differs from this operator's; the message says how.
	ReasonCRDSchemaOutdated ConditionReason = "CRDSchemaOutdated"
	// ReasonScaling means member pods are added or removed to reach spec.instances (Progressing).
	ReasonScaling ConditionReason = "Scaling"
	// ReasonStatefulSetNotObserved means the StatefulSet has not taken the cluster's current generation yet: it
	// was not applied from it, or its controller has not observed it (Progressing).
	ReasonStatefulSetNotObserved ConditionReason = "StatefulSetNotObserved"
	// ReasonConverged means the members run the spec of the current generation (Progressing False).
	ReasonConverged ConditionReason = "Converged"
	// ReasonCertificatesIssued means Orca's CA issued a current certificate to every member.
	ReasonCertificatesIssued ConditionReason = "CertificatesIssued"
	// ReasonTLSSecretValid means the user's certificate is signed by the user's CA; the message says whether
	// it is valid for every member's name (VERIFY_IDENTITY) or not (VERIFY_CA).
	ReasonTLSSecretValid ConditionReason = "TLSSecretValid"
	// ReasonTLSSecretMissing means spec.tlsSecretName or spec.tlsCASecretName names a Secret that does not
	// exist, or one without the keys it needs.
	ReasonTLSSecretMissing ConditionReason = "TLSSecretMissing"
	// ReasonTLSSecretInvalid means a certificate or key in the TLS Secrets cannot be parsed or do not match.
	ReasonTLSSecretInvalid ConditionReason = "TLSSecretInvalid"
	// ReasonCertificateUntrusted means the certificate is not signed by the CA it should be verified with, or
	// has expired: members and clients would refuse it.
	ReasonCertificateUntrusted ConditionReason = "CertificateUntrusted"
	// ReasonDeleting means the cluster is being deleted.
	ReasonDeleting ConditionReason = "Deleting"

	// ReasonOnline means the group has quorum and every desired member is ONLINE.
	ReasonOnline ConditionReason = "Online"
	// ReasonPartiallyOnline means the group has quorum but some members are not ONLINE.
	ReasonPartiallyOnline ConditionReason = "PartiallyOnline"
	// ReasonBootstrapping means the group is being created.
	ReasonBootstrapping ConditionReason = "Bootstrapping"
	// ReasonQuorumLost means the reachable members are not a majority; Orca does not act unless forced.
	ReasonQuorumLost ConditionReason = "QuorumLost"
	// ReasonRecoveryBlocked means a reboot after a complete outage waits for more members; the message names
	// who is missing and the annotation that forces it.
	ReasonRecoveryBlocked ConditionReason = "RecoveryBlocked"
	// ReasonRebooting means the group is being rebooted after a complete outage.
	ReasonRebooting ConditionReason = "Rebooting"
	// ReasonMemberRecovering means a member is in distributed recovery; it is left alone until it is ONLINE.
	ReasonMemberRecovering ConditionReason = "MemberRecovering"
	// ReasonErrantTransactions means a member has transactions the group lacks and is kept out.
	ReasonErrantTransactions ConditionReason = "ErrantTransactions"
	// ReasonSwitchoverInProgress means the primary is being moved on request.
	ReasonSwitchoverInProgress ConditionReason = "SwitchoverInProgress"
	// ReasonUpgradeInProgress means a rolling upgrade is under way.
	ReasonUpgradeInProgress ConditionReason = "UpgradeInProgress"
	// ReasonMembersUnreachable means the operator cannot reach some members.
	ReasonMembersUnreachable ConditionReason = "MembersUnreachable"
	// ReasonNotObserved means the operator has not observed the group yet.
	ReasonNotObserved ConditionReason = "NotObserved"
	// ReasonPodsPending means member pods are not running yet.
	ReasonPodsPending ConditionReason = "PodsPending"
	// ReasonForcingQuorum means quorum is being forced from the reachable members on request.
	ReasonForcingQuorum ConditionReason = "ForcingQuorum"
	// ReasonMemberJoining means a member is joining the group.
	ReasonMemberJoining ConditionReason = "MemberJoining"
	// ReasonMemberRejoining means a member that left or failed is rejoining.
	ReasonMemberRejoining ConditionReason = "MemberRejoining"
	// ReasonMemberCloning means a member's data is being replaced by a clone of a donor.
	ReasonMemberCloning ConditionReason = "MemberCloning"
	// ReasonMemberExpelPending means a member disagrees with the group and Orca waits for the group to expel it.
	ReasonMemberExpelPending ConditionReason = "MemberExpelPending"
	// ReasonSwitchoverBlocked means a requested switchover cannot run; the message says why.
	ReasonSwitchoverBlocked ConditionReason = "SwitchoverBlocked"
	// ReasonSwitchoverDone means the requested primary is the primary.
	ReasonSwitchoverDone ConditionReason = "SwitchoverDone"
	// ReasonScalingDown means members beyond spec.instances are leaving the group.
	ReasonScalingDown ConditionReason = "ScalingDown"
	// ReasonUpgradeBlocked means a rolling upgrade waits for the group to be healthy.
	ReasonUpgradeBlocked ConditionReason = "UpgradeBlocked"
	// ReasonNoPrimary means the group has quorum but no primary.
	ReasonNoPrimary ConditionReason = "NoPrimary"
	// ReasonViewsDisagree means members report different views; Orca waits for them to settle.
	ReasonViewsDisagree ConditionReason = "ViewsDisagree"
	// ReasonSplitBrain means two partitions each claim quorum; Orca does not act.
	ReasonSplitBrain ConditionReason = "SplitBrain"
	// ReasonGTIDUnreadable means a member's GTID set could not be parsed.
	ReasonGTIDUnreadable ConditionReason = "GTIDUnreadable"
	// ReasonInvalidObservation means the observation was inconsistent; nothing was done.
	ReasonInvalidObservation ConditionReason = "InvalidObservation"
	// ReasonMemberIsolated means a member cannot reach the group; Orca waits for the network to heal instead of
	// restarting Group Replication on it.
	ReasonMemberIsolated ConditionReason = "MemberIsolated"
	// ReasonResettingVariables means Orca clears offline_mode or a leftover one-shot variable
	// (group_replication_bootstrap_group, group_replication_force_members) on a member.
	ReasonResettingVariables ConditionReason = "ResettingVariables"
	// ReasonRotatingCredentials means a credentials Secret changed and Orca sets the new passwords in MySQL.
	ReasonRotatingCredentials ConditionReason = "RotatingCredentials"

	// ReasonMembersApart means no two members share a node and no zone holds a majority of them.
	ReasonMembersApart ConditionReason = "MembersApart"
	// ReasonMembersColocated means two members share a node, or a zone holds a majority of the members; the
	// message names them and the node or zone.
	ReasonMembersColocated ConditionReason = "MembersColocated"
	// ReasonMembersNotScheduled means no member pod is scheduled on a node yet.
	ReasonMembersNotScheduled ConditionReason = "MembersNotScheduled"
	// ReasonRebalancing means a requested rebalance (annotation mysql.orca.dev/rebalance) moves a colocated
	// member, switches the primary away from a colocated node first, or waits for the group to be healthy.
	ReasonRebalancing ConditionReason = "Rebalancing"
	// ReasonRebalanceDone means a requested rebalance has nothing more to move; the annotation is removed.
	ReasonRebalanceDone ConditionReason = "RebalanceDone"

	// ReasonRouterNotRequested means no router is asked for (no spec.router, or instances 0): RouterReady is
	// True and the Service <name> selects the primary directly.
	ReasonRouterNotRequested ConditionReason = "RouterNotRequested"
	// ReasonRoutersReady means spec.router.instances router pods are Ready.
	ReasonRoutersReady ConditionReason = "RoutersReady"
	// ReasonRoutersNotReady means fewer router pods are Ready than spec.router.instances; the message counts
	// them.
	ReasonRoutersNotReady ConditionReason = "RoutersNotReady"

	// ReasonDNSPublished means the external DNS server holds the cluster's current records.
	ReasonDNSPublished ConditionReason = "DNSPublished"
	// ReasonDNSUpdateRefused means the external DNS server refused the update (REFUSED, or NOTAUTH for the zone).
	ReasonDNSUpdateRefused ConditionReason = "DNSUpdateRefused"
	// ReasonDNSTSIGError means the server rejected the TSIG key or signature, or the key Secret is unusable.
	ReasonDNSTSIGError ConditionReason = "DNSTSIGError"
	// ReasonDNSConflict means another writer changed a record between Orca's read and its update; Orca did not
	// overwrite it and reads it again on the next attempt.
	ReasonDNSConflict ConditionReason = "DNSConflict"
	// ReasonDNSUnreachable means the external DNS server did not answer.
	ReasonDNSUnreachable ConditionReason = "DNSUnreachable"

	// Reasons of InitDBRestored (docs/backup.md), and WaitingForRestore of GroupOnline.

	// ReasonRestorePending means the initDB restore waits for its MySQLBackup to succeed or for the first
	// member's pod; the message says which.
	ReasonRestorePending ConditionReason = "RestorePending"
	// ReasonRestoreBackupNotFound means spec.initDB.dump.backupName names no MySQLBackup in the namespace.
	ReasonRestoreBackupNotFound ConditionReason = "RestoreBackupNotFound"
	// ReasonRestoring means the restore Job loads the backup into the first member.
	ReasonRestoring ConditionReason = "Restoring"
	// ReasonRestored means the backup is restored into the first member.
	ReasonRestored ConditionReason = "Restored"
	// ReasonRestoreFailed means the restore failed (or its MySQLBackup did); the group is never bootstrapped on
	// the partial copy: delete the cluster and its volumes, then create it again.
	ReasonRestoreFailed ConditionReason = "RestoreFailed"
	// ReasonWaitingForRestore means the group is not bootstrapped until the initDB restore completed.
	ReasonWaitingForRestore ConditionReason = "WaitingForRestore"
	// ReasonSchedulesValid means every backup schedule parses.
	ReasonSchedulesValid ConditionReason = "SchedulesValid"
	// ReasonInvalidSchedule means a backup schedule's cron expression does not parse; the message names it.
	ReasonInvalidSchedule ConditionReason = "InvalidSchedule"
	// ReasonInvalidTimeZone means a backup schedule's timeZone is not a known IANA zone; the message names it.
	ReasonInvalidTimeZone ConditionReason = "InvalidTimeZone"
)
