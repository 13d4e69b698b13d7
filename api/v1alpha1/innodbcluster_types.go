package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// InnoDBClusterSpec is the desired state of a MySQL InnoDB Cluster: a Group Replication group in single-primary
// mode, its storage, its Services and its router. Field names follow Oracle's MySQL Operator where the meaning
// is the same, so manifests move over with few changes.
// +kubebuilder:validation:XValidation:rule="has(self.secretName) == has(oldSelf.secretName) && (!has(self.secretName) || self.secretName == oldSelf.secretName)",message="secretName is immutable: the group's accounts were created from it"
// +kubebuilder:validation:XValidation:rule="has(self.initDB) == has(oldSelf.initDB) && (!has(self.initDB) || self.initDB == oldSelf.initDB)",message="initDB is immutable: it is set when the cluster is created"
// +kubebuilder:validation:XValidation:rule="!has(self.backupSchedules) || self.backupSchedules.all(s, !has(s.backupProfileName) || (has(self.backupProfiles) && self.backupProfiles.exists(p, p.name == s.backupProfileName)))",message="a backup schedule's backupProfileName must name one of spec.backupProfiles"
// +kubebuilder:validation:XValidation:rule="!(has(self.tlsUseSelfSigned) && self.tlsUseSelfSigned && has(self.tlsSecretName))",message="tlsUseSelfSigned asks for Orca's own CA and tlsSecretName for your certificate: set one of them"
// +kubebuilder:validation:XValidation:rule="!has(self.tlsCASecretName) || has(self.tlsSecretName)",message="tlsCASecretName names the CA of the certificate in tlsSecretName: set tlsSecretName too"
// +kubebuilder:validation:XValidation:rule="(has(self.tlsSecretName) == has(oldSelf.tlsSecretName)) && (!has(self.tlsSecretName) || self.tlsSecretName == oldSelf.tlsSecretName) && (has(self.tlsCASecretName) == has(oldSelf.tlsCASecretName)) && (!has(self.tlsCASecretName) || self.tlsCASecretName == oldSelf.tlsCASecretName)",message="tlsSecretName and tlsCASecretName are immutable: members and clients would stop trusting each other in the middle of a roll; replace the contents of the Secrets instead (docs/tls.md)"
type InnoDBClusterSpec struct {
	// Instances is the number of MySQL servers in the group. Group Replication allows at most 9 members;
	// 3 or more tolerate the loss of one member without losing quorum.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=9
	// +kubebuilder:default=3
	// +optional
	Instances int32 `json:"instances,omitempty"`

	// Version is the MySQL server version, 8.x.y or 9.x.y, for example 8.4.3. 8.0 releases before 8.0.27 are
	// refused: Orca needs the MYSQL communication stack they lack. Changing it starts a rolling upgrade:
	// secondaries one at a time, then a switchover, then the old primary. Downgrades are refused.
	// +kubebuilder:validation:Pattern=`^[89]\.[0-9]+\.[0-9]+$`
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('8.0.') || int(self.split('.')[2]) >= 27",message="MySQL 8.0 releases before 8.0.27 are not supported: Orca needs the MYSQL communication stack (group_replication_communication_stack) that 8.0.27 introduced; use 8.0.27 or later, 8.4 recommended"
	// +kubebuilder:validation:XValidation:rule="int(self.split('.')[0]) * 1000000 + int(self.split('.')[1]) * 1000 + int(self.split('.')[2]) >= int(oldSelf.split('.')[0]) * 1000000 + int(oldSelf.split('.')[1]) * 1000 + int(oldSelf.split('.')[2])",message="version cannot go down: MySQL does not support in-place downgrades"
	// +kubebuilder:default="8.4.3"
	// +optional
	Version string `json:"version,omitempty"`

	// Image is the MySQL server image. When empty, Orca uses mysql:<version>.
	// +optional
	Image string `json:"image,omitempty"`

	// ImagePullPolicy is the pull policy of every container Orca runs in the cluster's pods.
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	// +kubebuilder:default=IfNotPresent
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// ImagePullSecrets are the Secrets used to pull the images of the cluster's pods.
	// +optional
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`

	// SecretName names the Secret with the root credentials (keys rootUser, rootHost, rootPassword).
	// When empty, Orca generates <name>-credentials with a random password. It cannot change after creation.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	SecretName string `json:"secretName,omitempty"`

	// BaseServerID is added to each pod's ordinal to give its server_id. It cannot change after creation.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=4294967195
	// +kubebuilder:default=1000
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="baseServerId is immutable: members keep the server_id they were created with"
	// +optional
	BaseServerID int64 `json:"baseServerId,omitempty"`

	// Mycnf holds extra [mysqld] options for every member. They are written before Orca's own options, which
	// therefore win. Options Orca owns are refused in every spelling (any case, '-' or '_', loose-, skip-,
	// enable-, disable- and maximum- forms): port, mysqlx, mysqlx_port, mysqlx_bind_address, bind_address,
	// socket, skip_networking, skip_grant_tables, server_id, report_host, report_port, datadir, plugin_dir,
	// plugin_load, plugin_load_add, gtid_mode, enforce_gtid_consistency, log_bin, log_replica_updates
	// (log_slave_updates), skip_replica_start (skip_slave_start), binlog_format, super_read_only, offline_mode,
	// disabled_storage_engines, log_error_verbosity, the TLS files ssl_ca, ssl_capath, ssl_cert, ssl_key and
	// their mysqlx_ssl_* forms (docs/tls.md), and group_replication, clone and every group_replication_* and
	// clone_* option. Every change rolls the members, one at a time.
	// +kubebuilder:validation:MaxLength=65536
	// +kubebuilder:validation:XValidation:rule="!self.matches('(?mi)^[[:blank:]]*(loose[-_])?((skip|enable|disable|maximum)[-_])?(port|mysqlx[-_]port|gtid[-_]mode|enforce[-_]gtid[-_]consistency|disabled[-_]storage[-_]engines|plugin[-_]load|plugin[-_]load[-_]add|skip[-_]replica[-_]start|log[-_]error[-_]verbosity|server[-_]id|report[-_]host|super[-_]read[-_]only|offline[-_]mode|log[-_]bin|log[-_]replica[-_]updates|log[-_]slave[-_]updates|skip[-_]slave[-_]start|binlog[-_]format|skip[-_]networking|bind[-_]address|report[-_]port|mysqlx|mysqlx[-_]bind[-_]address|socket|skip[-_]grant[-_]tables|datadir|plugin[-_]dir|ssl[-_]ca|ssl[-_]capath|ssl[-_]cert|ssl[-_]key|mysqlx[-_]ssl[-_]ca|mysqlx[-_]ssl[-_]capath|mysqlx[-_]ssl[-_]cert|mysqlx[-_]ssl[-_]key|group[-_]replication([-_][-_a-z0-9]*)?|clone([-_][-_a-z0-9]*)?)([[:space:]=#]|$)')",messageExpression="'mycnf may not set ' + self.find('(?mi)^[[:blank:]]*(loose[-_])?((skip|enable|disable|maximum)[-_])?(port|mysqlx[-_]port|gtid[-_]mode|enforce[-_]gtid[-_]consistency|disabled[-_]storage[-_]engines|plugin[-_]load|plugin[-_]load[-_]add|skip[-_]replica[-_]start|log[-_]error[-_]verbosity|server[-_]id|report[-_]host|super[-_]read[-_]only|offline[-_]mode|log[-_]bin|log[-_]replica[-_]updates|log[-_]slave[-_]updates|skip[-_]slave[-_]start|binlog[-_]format|skip[-_]networking|bind[-_]address|report[-_]port|mysqlx|mysqlx[-_]bind[-_]address|socket|skip[-_]grant[-_]tables|datadir|plugin[-_]dir|ssl[-_]ca|ssl[-_]capath|ssl[-_]cert|ssl[-_]key|mysqlx[-_]ssl[-_]ca|mysqlx[-_]ssl[-_]capath|mysqlx[-_]ssl[-_]cert|mysqlx[-_]ssl[-_]key|group[-_]replication([-_][-_a-z0-9]*)?|clone([-_][-_a-z0-9]*)?)([[:space:]=#]|$)').replace('=', '').replace('#', '').trim() + ': Orca owns this option (docs/operations.md lists what mycnf may set)'",message="mycnf may not set an option Orca owns (docs/operations.md lists what mycnf may set)"
	// +optional
	Mycnf string `json:"mycnf,omitempty"`

	// DatadirVolumeClaimTemplate is the claim for each member's data directory. Only the requested storage may
	// change afterwards, and only upwards; Orca then expands each member's claim.
	// +optional
	DatadirVolumeClaimTemplate *DatadirVolumeClaim `json:"datadirVolumeClaimTemplate,omitempty"`

	// DatadirRetentionPolicy says what happens to the data volumes when the cluster is deleted or scaled down.
	// Volumes are kept by default.
	// +optional
	DatadirRetentionPolicy *DatadirRetentionPolicy `json:"datadirRetentionPolicy,omitempty"`

	// PodSpec overrides scheduling and resources of the MySQL pods.
	// +optional
	PodSpec *PodSpecOverrides `json:"podSpec,omitempty"`

	// Placement says how strictly the members are kept apart. Either way the members are spread with topology
	// spread constraints (maxSkew 1) over kubernetes.io/hostname and, where the nodes carry it, over
	// topology.kubernetes.io/zone. Preferred (the default) lets the scheduler put two members on one node when
	// it finds no other room (whenUnsatisfiable ScheduleAnyway), so a member is never left Pending for it, at
	// the price of a node loss that may cost more than one member; the MembersSpread condition says when that
	// happened, and the mysql.orca.dev/rebalance annotation moves them apart again. Required keeps a member
	// Pending rather than put it on a node that already runs one (requiredDuringScheduling pod anti-affinity
	// and whenUnsatisfiable DoNotSchedule on kubernetes.io/hostname): a node loss never costs more than one
	// member, but the group runs short of a member until a node with room exists, for example during a drain
	// of a cluster with as many nodes as members. The spread over zones stays a preference under both: the
	// scheduler filters out every node without the label for a DoNotSchedule constraint, which would leave
	// every member Pending where nodes carry no zone; MembersSpread reports a zone holding a majority.
	// Changing it rolls the members one at a time, as a configuration change does.
	// +kubebuilder:default=Preferred
	// +optional
	Placement PlacementPolicy `json:"placement,omitempty"`

	// PodLabels are added to every MySQL pod.
	// +optional
	PodLabels map[string]string `json:"podLabels,omitempty"`

	// PodAnnotations are added to every MySQL pod.
	// +optional
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// Service configures the client Services (<name>, <name>-primary, <name>-replicas and, while a router is
	// asked for, <name>-ro).
	// +optional
	Service *ServiceSpec `json:"service,omitempty"`

	// Router deploys `orca router` pods in front of the group: a read-write port that always reaches the
	// primary and a read-only port that spreads connections over the ONLINE secondaries. With a router object
	// <name>-ro sends its port 3306 (and 33060) to the routers' read-only port, and <name> sends them to the
	// read-write port from the moment the first router pod is Ready (until then it still selects the primary,
	// so adding a router never interrupts it); without one, or with router.instances 0, no router runs,
	// <name> selects the primary directly and <name>-ro does not exist. <name>-primary and <name>-replicas
	// always select the members themselves.
	// +optional
	Router *RouterSpec `json:"router,omitempty"`

	// Metrics adds Prometheus metrics of the MySQL servers themselves to the member pods (docs/metrics.md).
	// Changing it rolls the members one at a time, like any change of the pod template.
	// +optional
	Metrics *MetricsSpec `json:"metrics,omitempty"`

	// BackupProfiles are named storages and options that backupSchedules refer to by backupProfileName.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	// +optional
	BackupProfiles []BackupProfile `json:"backupProfiles,omitempty"`

	// BackupSchedules create MySQLBackups of the cluster on cron schedules and delete the ones their retention
	// lets expire (docs/backup.md, "Schedules and retention").
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	// +optional
	BackupSchedules []BackupSchedule `json:"backupSchedules,omitempty"`

	// TLSUseSelfSigned will make Orca issue self-signed certificates to the servers. Not implemented yet: the
	// API server refuses true. Today every server uses the certificate MySQL generates at its first start, so
	// connections are encrypted but clients cannot verify the server.
	// TLSUseSelfSigned asks for Orca's own certificate authority, which is also what Orca uses when
	// tlsSecretName is empty: the operator generates a CA (Secret <name>-ca, created once), issues every member
	// a certificate for its stable DNS names (Secret <name>-tls) and renews each one 30 days before it expires
	// (the CA a year before), restarting the members one at a time so the group stays online. Every member
	// serves it on the classic and X Protocol ports and for group communication and distributed recovery
	// (group_replication_ssl_mode=VERIFY_IDENTITY); the operator, the routers and the backup and migration
	// runners verify it. Unlike Oracle's operator, true never turns verification off (docs/tls.md).
	// +optional
	TLSUseSelfSigned bool `json:"tlsUseSelfSigned,omitempty"`

	// TLSSecretName names your own kubernetes.io/tls Secret (keys tls.crt and tls.key), for example one
	// cert-manager writes, used by every member instead of Orca's CA. Its certificate should be valid for every
	// member's stable name, <name>-<ordinal>.<name>-instances.<namespace>.svc.<cluster zone> (a wildcard
	// *.<name>-instances.<namespace>.svc.<cluster zone> does): the members then verify each other's identity
	// (VERIFY_IDENTITY), otherwise only the CA (VERIFY_CA), and the operator refuses to manage members whose
	// certificate it cannot verify for their name (condition TLSReady). A change of its contents restarts the
	// members one at a time. Immutable once set.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	TLSSecretName string `json:"tlsSecretName,omitempty"`

	// TLSCASecretName names a Secret whose ca.crt key holds the CA (PEM, several allowed) that signed the
	// certificate in tlsSecretName. Empty: the ca.crt key of tlsSecretName itself (as cert-manager writes it).
	// Immutable once set.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	TLSCASecretName string `json:"tlsCASecretName,omitempty"`

	// InitDB fills the new cluster with data before its group is bootstrapped (docs/backup.md). It is set at
	// creation and never changes.
	// +optional
	InitDB *InitDBSpec `json:"initDB,omitempty"`
	// Backup configures the cluster's continuous backups: point-in-time recovery (spec.backup.pitr).
	// +optional
	Backup *ClusterBackupSpec `json:"backup,omitempty"`
}

// DatadirVolumeClaim is the part of a PersistentVolumeClaim spec a member's data directory uses.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.storageClassName) || (has(self.storageClassName) && self.storageClassName == oldSelf.storageClassName)",message="datadirVolumeClaimTemplate.storageClassName is immutable"
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.accessModes) || (has(self.accessModes) && self.accessModes == oldSelf.accessModes)",message="datadirVolumeClaimTemplate.accessModes is immutable"
// +kubebuilder:validation:XValidation:rule="quantity(self.storage).compareTo(quantity(oldSelf.storage)) >= 0",message="datadirVolumeClaimTemplate.storage cannot shrink: volumes can only grow"
type DatadirVolumeClaim struct {
	// StorageClassName is the storage class of the claims; the cluster default when empty.
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`

	// AccessModes of the claims; ReadWriteOnce when empty.
	// +optional
	AccessModes []corev1.PersistentVolumeAccessMode `json:"accessModes,omitempty"`

	// Storage is the size of each member's data volume, for example 20Gi.
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$`
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:default="2Gi"
	Storage string `json:"storage"`
}

// RetentionAction says whether volumes are kept or deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type RetentionAction string

const (
	// RetentionRetain keeps the volumes.
	RetentionRetain RetentionAction = "Retain"
	// RetentionDelete deletes the volumes.
	RetentionDelete RetentionAction = "Delete"
)

// DatadirRetentionPolicy says what happens to data volumes on cluster deletion and on scale-down.
type DatadirRetentionPolicy struct {
	// WhenDeleted applies when the InnoDBCluster is deleted. Retain (default) keeps every member's volume.
	// +kubebuilder:default=Retain
	// +optional
	WhenDeleted RetentionAction `json:"whenDeleted,omitempty"`

	// WhenScaled applies to the volumes of members removed by a scale-down. Retain (default) keeps them so a
	// later scale-up rejoins with its data; Delete makes a later scale-up clone afresh.
	// +kubebuilder:default=Retain
	// +optional
	WhenScaled RetentionAction `json:"whenScaled,omitempty"`
}

// PlacementPolicy says how strictly the members are kept on separate nodes and zones.
// +kubebuilder:validation:Enum=Preferred;Required
type PlacementPolicy string

const (
	// PlacementPreferred spreads the members but schedules a member next to another rather than leave it Pending.
	PlacementPreferred PlacementPolicy = "Preferred"
	// PlacementRequired leaves a member Pending rather than put it on a node with another member; zones stay a
	// preference.
	PlacementRequired PlacementPolicy = "Required"
)

// PodSpecOverrides are the parts of the MySQL pods' spec a user may set.
type PodSpecOverrides struct {
	// Resources of the mysql container.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// Affinity of the pods. When empty, Orca prefers one member per node (a preferred pod anti-affinity on
	// kubernetes.io/hostname). It replaces that preference but not the topology spread constraints, and with
	// placement Required Orca adds its required anti-affinity on kubernetes.io/hostname to it.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// Tolerations of the pods.
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// NodeSelector of the pods.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// PriorityClassName of the pods.
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`

	// TerminationGracePeriodSeconds gives mysqld time to shut down cleanly. Default 60.
	// +kubebuilder:validation:Minimum=1
	// +optional
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
}

// ServiceSpec configures the client Services.
type ServiceSpec struct {
	// Type of the client Services.
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;LoadBalancer
	// +kubebuilder:default=ClusterIP
	// +optional
	Type corev1.ServiceType `json:"type,omitempty"`

	// Annotations added to the client Services, for example a cloud load balancer's settings.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// Labels added to the client Services.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
}

// RouterSpec configures the cluster's router: a Deployment <name>-router of `orca router` pods, run with the
// operator's own image (--orca-image), spread over nodes, under the restricted Pod Security Standard, and logged
// into MySQL with its own account (orca_router, allowed only to read the Group Replication member tables).
type RouterSpec struct {
	// Instances is the number of router pods, 0 to 64. It defaults to 2 when the router object is present, so
	// `router: {}` runs two routers on different nodes where the scheduler can; 0, like no router object at
	// all, runs no router (the Deployment, its budget and <name>-ro are deleted and <name> selects the primary
	// again). Changing it scales the Deployment; the routers' pods are replaced one at a time when anything
	// they read changes.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=64
	// +kubebuilder:default=2
	// +optional
	Instances *int32 `json:"instances,omitempty"`

	// Resources of the router container. None are set when empty: the router holds no data, and its memory
	// grows with the number of client connections it carries.
	// +optional
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`

	// PodLabels are added to every router pod. They cannot replace the labels Orca selects the pods by
	// (mysql.orca.dev/cluster and mysql.orca.dev/component).
	// +optional
	PodLabels map[string]string `json:"podLabels,omitempty"`

	// PodAnnotations are added to every router pod, for example a service mesh's or a scraper's settings.
	// Changing them replaces the router pods one at a time.
	// +optional
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// Affinity of the router pods. When empty, Orca prefers one router per node (a preferred pod
	// anti-affinity on kubernetes.io/hostname); the topology spread over nodes applies either way.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// Tolerations of the router pods.
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// NodeSelector of the router pods.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// PriorityClassName of the router pods. Every connection to the cluster through <name> or <name>-ro goes
	// through a router, so give them at least the priority of the applications that use them.
	// +optional
	PriorityClassName string `json:"priorityClassName,omitempty"`
}

// ClusterState is the state of the group as a whole, named as MySQL Shell names it.
type ClusterState string

const (
	// ClusterStatePending means the cluster's pods do not exist or are not running yet.
	ClusterStatePending ClusterState = "PENDING"
	// ClusterStateInitializing means the group is being bootstrapped.
	ClusterStateInitializing ClusterState = "INITIALIZING"
	// ClusterStateOnline means every desired member is ONLINE.
	ClusterStateOnline ClusterState = "ONLINE"
	// ClusterStateOnlinePartial means the group has quorum but some members are not ONLINE.
	ClusterStateOnlinePartial ClusterState = "ONLINE_PARTIAL"
	// ClusterStateOnlineUncertain means the group has quorum but some members cannot be reached to check.
	ClusterStateOnlineUncertain ClusterState = "ONLINE_UNCERTAIN"
	// ClusterStateNoQuorum means the reachable members are not a majority: the group cannot commit writes.
	ClusterStateNoQuorum ClusterState = "NO_QUORUM"
	// ClusterStateOffline means no member runs Group Replication: the group must be rebooted.
	ClusterStateOffline ClusterState = "OFFLINE"
	// ClusterStateOfflineUncertain means no reachable member runs Group Replication and some are unreachable.
	ClusterStateOfflineUncertain ClusterState = "OFFLINE_UNCERTAIN"
	// ClusterStateNoQuorumUncertain is NO_QUORUM with members that cannot be queried.
	ClusterStateNoQuorumUncertain ClusterState = "NO_QUORUM_UNCERTAIN"
	// ClusterStateSplitBrain means two disjoint partitions each report quorum; Orca does not act.
	ClusterStateSplitBrain ClusterState = "SPLIT_BRAIN"
	// ClusterStateUnknown means no member can be queried while some pods run.
	ClusterStateUnknown ClusterState = "UNKNOWN"
	// ClusterStateFinalizing means the cluster is being deleted.
	ClusterStateFinalizing ClusterState = "FINALIZING"
)

// MemberStatus is one member as the operator last saw it.
type MemberStatus struct {
	// Pod is the member's pod name.
	Pod string `json:"pod"`
	// Role is PRIMARY or SECONDARY while the member is in the group.
	// +optional
	Role string `json:"role,omitempty"`
	// State is the member's Group Replication state (ONLINE, RECOVERING, OFFLINE, ERROR, UNREACHABLE) or
	// UNKNOWN when the operator cannot reach it.
	// +optional
	State string `json:"state,omitempty"`
	// Version is the MySQL version the member runs.
	// +optional
	Version string `json:"version,omitempty"`
	// ServerUUID is the member's @@server_uuid.
	// +optional
	ServerUUID string `json:"serverUuid,omitempty"`
	// Health is Orca's verdict on the member: Online, Recovering, Cloning, Offline, Error, Isolated, NoQuorum,
	// Errant, Unreachable, Down or Removed (docs/operations.md).
	// +optional
	Health string `json:"health,omitempty"`
	// ApplierQueue counts the transactions the member received from the group but has not applied yet
	// (COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE): how far it lags behind the group.
	// +optional
	ApplierQueue *int64 `json:"applierQueue,omitempty"`
	// CertifierQueue counts the transactions waiting for conflict detection on the member
	// (COUNT_TRANSACTIONS_IN_QUEUE).
	// +optional
	CertifierQueue *int64 `json:"certifierQueue,omitempty"`
	// OfflineMode is true while the member's offline_mode is ON: it refuses application connections. Orca
	// clears it once the member is back ONLINE and labels the member only after that.
	// +optional
	OfflineMode bool `json:"offlineMode,omitempty"`
	// LastError is the last error of the member's distributed recovery channel, or why Orca cannot query it.
	// +optional
	LastError string `json:"lastError,omitempty"`
	// Node is the node the member's pod is scheduled on, empty while it is not scheduled.
	// +optional
	Node string `json:"node,omitempty"`
	// Zone is that node's topology.kubernetes.io/zone label, empty when it has none.
	// +optional
	Zone string `json:"zone,omitempty"`
}

// RouterStatus is the state of the cluster's routers, written by the reconciler.
type RouterStatus struct {
	// ReadyReplicas counts the router pods that are Ready: they hold a current view of the group (their
	// /healthz answers) and the Services send them connections.
	ReadyReplicas int32 `json:"readyReplicas"`

	// ReadWriteService is the Service whose port 3306 (classic) and 33060 (X Protocol) reach the primary
	// through the routers: <name>.
	// +optional
	ReadWriteService string `json:"readWriteService,omitempty"`

	// ReadOnlyService is the Service whose port 3306 (classic) and 33060 (X Protocol) reach an ONLINE
	// secondary through the routers, or the primary when there is none: <name>-ro.
	// +optional
	ReadOnlyService string `json:"readOnlyService,omitempty"`
}

// InnoDBClusterStatus is the observed state of an InnoDBCluster.
type InnoDBClusterStatus struct {
	// ObservedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// ClusterState is the group's state, as MySQL Shell's cluster.status() names it.
	// +optional
	ClusterState ClusterState `json:"clusterState,omitempty"`

	// ReadyInstances counts the MySQL pods that are Ready.
	// +optional
	ReadyInstances int32 `json:"readyInstances,omitempty"`

	// OnlineInstances counts the members that are ONLINE in the group.
	// +optional
	OnlineInstances int32 `json:"onlineInstances,omitempty"`

	// Primary is the pod name of the current primary.
	// +optional
	Primary string `json:"primary,omitempty"`

	// Bootstrapped is true once the group was bootstrapped. From then on Orca never bootstraps a new group
	// on these members; after a complete outage it reboots the existing one.
	// +optional
	Bootstrapped bool `json:"bootstrapped,omitempty"`

	// ViewID is the Group Replication view id last observed.
	// +optional
	ViewID string `json:"viewId,omitempty"`

	// LastProbeTime is when the operator last observed a change of the members: the observation the status
	// shows. Orca writes nothing while nothing changes, so an old value means a quiet cluster, not a stale one;
	// whether the operator runs is what its lease and its metrics say.
	// +optional
	LastProbeTime *metav1.Time `json:"lastProbeTime,omitempty"`

	// MaxApplierQueue is the largest applier queue of an ONLINE secondary: how far the most lagging one is
	// behind the primary, in transactions.
	// +optional
	MaxApplierQueue int64 `json:"maxApplierQueue"`

	// MaxCertifierQueue is the largest certifier queue (transactions waiting for conflict detection) of an
	// ONLINE member, the primary included. Group Replication's flow control throttles the writers while a
	// member's certifier or applier queue is at its threshold (group_replication_flow_control_*_threshold).
	// +optional
	MaxCertifierQueue int64 `json:"maxCertifierQueue,omitempty"`

	// CredentialsFingerprint identifies the passwords Orca last applied to the root and internal accounts
	// (an HMAC keyed with an internal secret, never the passwords). A change of a credentials Secret changes
	// it, and Orca then rotates the password in MySQL.
	// +optional
	CredentialsFingerprint string `json:"credentialsFingerprint,omitempty"`

	// InitDB is the progress of the spec.initDB restore; absent without spec.initDB.
	// +optional
	InitDB *InitDBStatus `json:"initDB,omitempty"`

	// Router is what the router Deployment reports; absent when no router is asked for.
	// +optional
	Router *RouterStatus `json:"router,omitempty"`

	// LastCompleteBackup is the MySQLBackup of the cluster that completed last.
	// +optional
	LastCompleteBackup *BackupRef `json:"lastCompleteBackup,omitempty"`

	// LastVerifiedBackup is the MySQLBackup of the cluster that was verified last by a restore.
	// +optional
	LastVerifiedBackup *BackupRef `json:"lastVerifiedBackup,omitempty"`

	// BackupSchedules is what Orca last did for each of spec.backupSchedules.
	// +listType=map
	// +listMapKey=name
	// +optional
	BackupSchedules []BackupScheduleStatus `json:"backupSchedules,omitempty"`

	// Members lists every member the operator knows of, by pod name.
	// +listType=map
	// +listMapKey=pod
	// +optional
	Members []MemberStatus `json:"members,omitempty"`

	// Conditions are the typed conditions of the cluster; Ready sums them up.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// PITR is the binary log archive's health, with spec.backup.pitr enabled.
	// +optional
	PITR *PITRStatus `json:"pitr,omitempty"`
}

// InnoDBCluster is a MySQL InnoDB Cluster: a Group Replication group run by Orca. Its name is at most 52
// characters and a DNS-1035 label: the Service <name>-instances and the StatefulSet's pod label
// controller-revision-hash=<name>-<10-character hash> must stay within 63 characters.
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 52 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be at most 52 characters of lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (a DNS-1035 label): the members' StatefulSet labels its pods controller-revision-hash=<name>-<10-character hash>, which may not exceed 63 characters, and Services are named <name>-instances"
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ic;ics,categories=orca
// +kubebuilder:printcolumn:name="Instances",type=integer,JSONPath=`.spec.instances`
// +kubebuilder:printcolumn:name="Online",type=integer,JSONPath=`.status.onlineInstances`
// +kubebuilder:printcolumn:name="Primary",type=string,JSONPath=`.status.primary`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.clusterState`
// +kubebuilder:printcolumn:name="Spread",type=string,JSONPath=`.status.conditions[?(@.type=="MembersSpread")].status`,description="False when two members share a node or a zone holds a majority of them (condition MembersSpread)"
// +kubebuilder:printcolumn:name="Last Backup",type=date,JSONPath=`.status.lastCompleteBackup.time`,description="when the newest complete backup completed"
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,priority=1
// +kubebuilder:printcolumn:name="Lag",type=integer,JSONPath=`.status.maxApplierQueue`,priority=1,description="largest applier queue of an ONLINE secondary, in transactions"
// +kubebuilder:printcolumn:name="Routers",type=integer,JSONPath=`.status.router.readyReplicas`,priority=1,description="router pods that are Ready"
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.version`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type InnoDBCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state.
	// +optional
	Spec InnoDBClusterSpec `json:"spec,omitempty"`
	// Status is the observed state, written by Orca.
	// +optional
	Status InnoDBClusterStatus `json:"status,omitempty"`
}

// InnoDBClusterList is a list of InnoDBClusters.
// +kubebuilder:object:root=true
type InnoDBClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the clusters.
	Items []InnoDBCluster `json:"items"`
}

func init() {
	register(&InnoDBCluster{}, &InnoDBClusterList{})
}
