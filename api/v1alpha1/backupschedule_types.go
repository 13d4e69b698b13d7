package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BackupProfile is a named storage and set of options that schedules share, as Oracle's MySQL Operator names it.
type BackupProfile struct {
	// Name identifies the profile; a schedule's backupProfileName refers to it.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// Storage is where the profile's backups go.
	Storage BackupStorage `json:"storage"`
	// Options tune the dump.
	// +optional
	Options BackupOptions `json:"options,omitempty"`
}

// BackupSchedule creates a MySQLBackup of the cluster at the times its cron schedule names, and deletes the
// backups its retention lets expire (their objects in S3 too).
// +kubebuilder:validation:XValidation:rule="has(self.backupProfileName) != has(self.storage)",message="a backup schedule names exactly one of backupProfileName and storage"
// +kubebuilder:validation:XValidation:rule="!has(self.options) || !has(self.backupProfileName)",message="options belong to the profile when a schedule names backupProfileName"
type BackupSchedule struct {
	// Name identifies the schedule. Its backups are labelled mysql.orca.dev/backup-schedule=<name> and named
	// <cluster>-<name>-<scheduled time, yyyymmddhhmm in UTC>.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// Schedule is a cron expression of five fields (minute hour day-of-month month day-of-week, as a CronJob's)
	// or one of @yearly, @monthly, @weekly, @daily, @hourly and @every <duration>. A schedule the cron parser
	// refuses is reported by the cluster's condition BackupSchedulesValid (reason InvalidSchedule).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every [0-9a-z.]+|[0-9*,/?A-Za-z-]+( [0-9*,/?A-Za-z-]+){4})$`
	Schedule string `json:"schedule"`
	// TimeZone is the IANA time zone the schedule is read in (Europe/Paris); UTC when empty. An unknown zone is
	// reported by the condition BackupSchedulesValid (reason InvalidTimeZone).
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z][-A-Za-z0-9_+]*(/[-A-Za-z0-9_+]+)*$`
	// +optional
	TimeZone string `json:"timeZone,omitempty"`
	// Enabled turns the schedule on; false stops new backups (retention still applies). Default true.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// BackupProfileName names one of spec.backupProfiles for the storage and options.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	BackupProfileName string `json:"backupProfileName,omitempty"`
	// Storage is where the backups go, when no profile is named.
	// +optional
	Storage *BackupStorage `json:"storage,omitempty"`
	// Options tune the dump, when no profile is named.
	// +optional
	Options *BackupOptions `json:"options,omitempty"`
	// Retention says which of the schedule's backups Orca deletes. Absent: it keeps them all.
	// +optional
	Retention *BackupRetention `json:"retention,omitempty"`
}

// BackupRetention bounds how many of a schedule's backups are kept. A backup expires when either limit says
// so; the newest complete backup and any backup still pending or running never expire. Expired backups are
// deleted with their objects in S3.
// +kubebuilder:validation:XValidation:rule="has(self.keepLast) || has(self.maxAge)",message="retention needs keepLast, maxAge or both"
type BackupRetention struct {
	// KeepLast keeps the N newest complete backups of the schedule; a failed backup is deleted once N newer
	// backups completed.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	// +optional
	KeepLast *int32 `json:"keepLast,omitempty"`
	// MaxAge deletes backups created longer ago than this Go duration (168h for a week).
	// +optional
	MaxAge *metav1.Duration `json:"maxAge,omitempty"`
}

// BackupRef names one backup of the cluster in the cluster's status.
type BackupRef struct {
	// Name is the MySQLBackup.
	Name string `json:"name"`
	// Time is when the backup completed (lastCompleteBackup) or was verified (lastVerifiedBackup).
	// +optional
	Time *metav1.Time `json:"time,omitempty"`
	// Location is the backup's URL, s3://<bucket>/<prefix>/<name>.
	// +optional
	Location string `json:"location,omitempty"`
	// GTIDSet is the source's GTID set at the snapshot.
	// +optional
	GTIDSet string `json:"gtidSet,omitempty"`
}

// BackupScheduleStatus is what Orca last did for one spec.backupSchedules entry.
type BackupScheduleStatus struct {
	// Name is the schedule's name.
	Name string `json:"name"`
	// LastScheduleTime is the scheduled time of the newest backup the schedule created.
	// +optional
	LastScheduleTime *metav1.Time `json:"lastScheduleTime,omitempty"`
	// NextScheduleTime is when the schedule takes its next backup; absent while it is disabled or invalid.
	// +optional
	NextScheduleTime *metav1.Time `json:"nextScheduleTime,omitempty"`
	// LastBackup is the newest MySQLBackup the schedule created.
	// +optional
	LastBackup string `json:"lastBackup,omitempty"`
}
