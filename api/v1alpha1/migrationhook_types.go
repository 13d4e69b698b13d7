package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HookProvider names who signs a hook's deliveries and how.
// +kubebuilder:validation:Enum=github;gitlab;generic
type HookProvider string

const (
	// ProviderGitHub checks X-Hub-Signature-256 (HMAC-SHA256 of the raw body) and takes X-GitHub-Delivery as the
	// delivery id.
	ProviderGitHub HookProvider = "github"
	// ProviderGitLab checks X-Gitlab-Token, or GitLab's signing token (Standard Webhooks headers) when the delivery
	// carries webhook-signature.
	ProviderGitLab HookProvider = "gitlab"
	// ProviderGeneric checks Standard Webhooks signatures: HMAC-SHA256 over id.timestamp.body, the timestamp
	// within 5 minutes of the receiver's clock.
	ProviderGeneric HookProvider = "generic"
)

// RunnerType names what a migration Pod runs.
// +kubebuilder:validation:Enum=builtin;image
type RunnerType string

const (
	// RunnerBuiltin runs `orca migrate` from Orca's image: versioned V<version>__<name>.sql files, a history table,
	// a Lease as the lock.
	RunnerBuiltin RunnerType = "builtin"
	// RunnerImage runs the given image and command (Flyway, Atlas, goose, Liquibase...) with the connection in its
	// environment.
	RunnerImage RunnerType = "image"
)

// ConcurrencyPolicy says what a new run does while another run of the same cluster is in progress.
// +kubebuilder:validation:Enum=Forbid;Queue;Replace
type ConcurrencyPolicy string

const (
	// ConcurrencyForbid blocks the new run (phase Blocked, reason RunInProgress) and never starts it.
	ConcurrencyForbid ConcurrencyPolicy = "Forbid"
	// ConcurrencyQueue starts the new run once the one in progress has finished, in order of creation.
	ConcurrencyQueue ConcurrencyPolicy = "Queue"
	// ConcurrencyReplace lets the new run wait for the one in progress to finish its current statement, then
	// skips any other queued run: only the newest commit is applied.
	ConcurrencyReplace ConcurrencyPolicy = "Replace"
)

// LintPolicy says what lint findings do to a run.
// +kubebuilder:validation:Enum=warn;block
type LintPolicy string

const (
	// LintWarn records the findings in the run's status and applies the migration.
	LintWarn LintPolicy = "warn"
	// LintBlock records the findings and blocks the run (reason LintFindings) when any finding is an error.
	LintBlock LintPolicy = "block"
)

// HookSecretRef names a key of a Secret in the hook's namespace.
type HookSecretRef struct {
	// Name is the Secret's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key is the key that holds the value.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:default=secret
	// +optional
	Key string `json:"key,omitempty"`
}

// HookFilters decide which signed deliveries become runs. A delivery that passes the signature check but not the
// filters is answered 204 and creates nothing.
type HookFilters struct {
	// Events are the event types accepted: GitHub's X-GitHub-Event (push), GitLab's X-Gitlab-Event (Push Hook),
	// or the generic payload's "event" field. Default: push events only.
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:default={"push","Push Hook"}
	// +optional
	Events []string `json:"events,omitempty"`
	// Refs are path.Match patterns of the pushed ref, for example refs/heads/main or refs/tags/v*.
	// Default: every ref.
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=255
	// +optional
	Refs []string `json:"refs,omitempty"`
	// Paths are path.Match patterns; when set, a push is accepted only when one of its commits added or modified a
	// file matching one of them (GitHub and GitLab list the files of each commit). Default: every push.
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=255
	// +optional
	Paths []string `json:"paths,omitempty"`
}

// MigrationSource is where the migrations live.
type MigrationSource struct {
	// URL is the git repository to clone, https:// or git:// (ssh is not supported yet).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('https://') || self.startsWith('http://') || self.startsWith('git://') || self.startsWith('file://')",message="url must be https://, http://, git:// or file://"
	URL string `json:"url"`
	// Path is the folder of the repository that holds the V<version>__<name>.sql files.
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:default=migrations
	// +optional
	Path string `json:"path,omitempty"`
	// CredentialsSecretName names a Secret with keys username and password (or a token as password) for the
	// clone. Default: an anonymous clone.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	CredentialsSecretName string `json:"credentialsSecretName,omitempty"`
}

// MigrationRunner is what the migration Pod runs.
// +kubebuilder:validation:XValidation:rule="self.type != 'image' || (has(self.image) && size(self.image) > 0)",message="runner.image is required when runner.type is image"
// +kubebuilder:validation:XValidation:rule="self.type != 'builtin' || !has(self.image)",message="runner.image may only be set when runner.type is image"
type MigrationRunner struct {
	// Type is builtin (`orca migrate` from Orca's image) or image (your image and command).
	// +kubebuilder:default=builtin
	// +optional
	Type RunnerType `json:"type,omitempty"`
	// Image is the container image when Type is image.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Image string `json:"image,omitempty"`
	// Command replaces the image's entrypoint when Type is image. The connection is in the environment:
	// MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD, MYSQL_DATABASE, and the commit in ORCA_COMMIT.
	// +kubebuilder:validation:MaxItems=64
	// +optional
	Command []string `json:"command,omitempty"`
	// Args are the arguments of Command.
	// +kubebuilder:validation:MaxItems=64
	// +optional
	Args []string `json:"args,omitempty"`
}

// MigrationDatabase is the account and schema the migrations run as.
type MigrationDatabase struct {
	// SecretName names a Secret with keys user and password: the account the migration connects with. It needs
	// the privileges the migrations use; the built-in runner also creates its history table in Name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	SecretName string `json:"secretName"`
	// Name is the default schema of the connection (and of the built-in runner's history table).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Name string `json:"name"`
}

// HookRateLimit bounds the deliveries a hook accepts; more are answered 429 before their signature is checked.
type HookRateLimit struct {
	// PerMinute is the sustained rate of deliveries accepted per minute, for this hook on each operator replica.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=60000
	// +kubebuilder:default=600
	// +optional
	PerMinute int32 `json:"perMinute,omitempty"`
	// Burst is how many deliveries may arrive at once above the sustained rate.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	// +kubebuilder:default=100
	// +optional
	Burst int32 `json:"burst,omitempty"`
}

// MigrationHookSpec is a webhook that turns a signed push into a MigrationRun against one cluster.
type MigrationHookSpec struct {
	// ClusterName is the InnoDBCluster in the hook's namespace whose primary the migrations run on.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=52
	ClusterName string `json:"clusterName"`

	// Provider says how deliveries are signed: github, gitlab or generic (Standard Webhooks).
	// +kubebuilder:default=github
	// +optional
	Provider HookProvider `json:"provider,omitempty"`

	// SecretRef names the key of a Secret with the signing secret (GitHub's webhook secret, GitLab's secret token
	// or signing token, or a Standard Webhooks whsec_ secret). It is never logged.
	SecretRef HookSecretRef `json:"secretRef"`

	// Filters decide which deliveries become runs. Default: push events on any ref.
	// +optional
	Filters HookFilters `json:"filters,omitempty"`

	// Source is the repository and folder of the migrations.
	Source MigrationSource `json:"source"`

	// Runner is what the migration Pod runs. Default: the built-in runner.
	// +optional
	Runner MigrationRunner `json:"runner,omitempty"`

	// Database is the account and schema the migrations run as.
	Database MigrationDatabase `json:"database"`

	// ConcurrencyPolicy says what a run does while another run of the cluster is in progress.
	// +kubebuilder:default=Queue
	// +optional
	ConcurrencyPolicy ConcurrencyPolicy `json:"concurrencyPolicy,omitempty"`

	// RequireApproval holds each run in AwaitingApproval until someone sets the annotation
	// mysql.orca.dev/approved-by on it (what `kubectl orca approve` does).
	// +optional
	RequireApproval bool `json:"requireApproval,omitempty"`

	// PreMigrationBackup takes a MySQLBackup of the cluster before each run (phase BackingUp) and records its GTID
	// in the run. The backup is named <run>-pre (see MigrationRunBackupName), owned by the run, and taken with
	// the storage and options of one of the cluster's spec.backupProfiles; the run fails if it fails.
	// +optional
	PreMigrationBackup bool `json:"preMigrationBackup,omitempty"`

	// PreMigrationBackupProfile names the cluster's backup profile the pre-migration backup uses. Default: the
	// cluster's first spec.backupProfiles entry.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	PreMigrationBackupProfile string `json:"preMigrationBackupProfile,omitempty"`

	// LintPolicy says whether lint findings only warn or block the run.
	// +kubebuilder:default=warn
	// +optional
	LintPolicy LintPolicy `json:"lintPolicy,omitempty"`

	// RateLimit bounds the deliveries accepted.
	// +optional
	RateLimit HookRateLimit `json:"rateLimit,omitempty"`

	// MaxApplierQueue is the longest applier queue, in transactions received and not applied yet, an ONLINE
	// secondary may have (the cluster's status.maxApplierQueue) for a run to start; longer, the run waits
	// Blocked with ApplierQueueHigh.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=100
	// +optional
	MaxApplierQueue *int64 `json:"maxApplierQueue,omitempty"`

	// SuccessfulRunsHistoryLimit is how many Succeeded runs (with their Pods and logs) are kept.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=10
	// +optional
	SuccessfulRunsHistoryLimit *int32 `json:"successfulRunsHistoryLimit,omitempty"`

	// FailedRunsHistoryLimit is how many Failed runs (with their Pods and logs) are kept.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	// +kubebuilder:default=10
	// +optional
	FailedRunsHistoryLimit *int32 `json:"failedRunsHistoryLimit,omitempty"`
}

// MigrationHookStatus is what Orca reports about a hook.
type MigrationHookStatus struct {
	// ObservedGeneration is the spec generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// ReceiverPath is the path to POST deliveries to on the operator's webhook port: /hooks/<namespace>/<name>.
	// +optional
	ReceiverPath string `json:"receiverPath,omitempty"`

	// ReceiverURL is the URL to give the git host: the operator's --hooks-external-url (the chart's
	// hooks.externalURL) followed by receiverPath; receiverPath alone when the operator was given no external URL.
	// +optional
	ReceiverURL string `json:"receiverURL,omitempty"`

	// LastDeliveryID is the delivery id of the last run created.
	// +optional
	LastDeliveryID string `json:"lastDeliveryId,omitempty"`

	// LastRunName is the MigrationRun created for LastDeliveryID.
	// +optional
	LastRunName string `json:"lastRunName,omitempty"`

	// Conditions are the typed conditions of the hook.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// MigrationHook receives a repository's signed webhooks at POST /hooks/<namespace>/<name> on the operator's
// webhook port and creates one MigrationRun per accepted delivery.
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 30",message="metadata.name must be at most 30 characters: run names are <hook>-<delivery id>"
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mh,categories=orca
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.spec.clusterName`
// +kubebuilder:printcolumn:name="Provider",type=string,JSONPath=`.spec.provider`
// +kubebuilder:printcolumn:name="Repository",type=string,JSONPath=`.spec.source.url`
// +kubebuilder:printcolumn:name="Last Run",type=string,JSONPath=`.status.lastRunName`
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.status.receiverURL`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MigrationHook struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state.
	Spec MigrationHookSpec `json:"spec"`
	// Status is the observed state, written by Orca.
	// +optional
	Status MigrationHookStatus `json:"status,omitempty"`
}

// MigrationHookList is a list of MigrationHooks.
// +kubebuilder:object:root=true
type MigrationHookList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the hooks.
	Items []MigrationHook `json:"items"`
}

func init() {
	register(&MigrationHook{}, &MigrationHookList{})
}
