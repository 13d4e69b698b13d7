package controllers

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// scheduleObservation is what the schedule reconciler saw of one cluster, as plain data.
type scheduleObservation struct {
	Now       time.Time
	Cluster   string
	Schedules []v1.BackupSchedule
	Profiles  []v1.BackupProfile
	// Status is the cluster's status.backupSchedules.
	Status []v1.BackupScheduleStatus
	// Backups are every MySQLBackup of the cluster.
	Backups []observedBackup
}

// observedBackup is one MySQLBackup of the cluster.
type observedBackup struct {
	Name      string
	Schedule  string    // its mysql.orca.dev/backup-schedule label; "" for a backup made by hand
	Scheduled time.Time // its mysql.orca.dev/scheduled-time annotation; zero when absent
	Created   time.Time
	Phase     v1.BackupPhase
	Status    v1.MySQLBackupStatus
}

// dueBackup is a MySQLBackup a schedule creates now.
type dueBackup struct {
	Name, Schedule string
	Time           time.Time
	// Missed counts the scheduled times skipped before Time.
	Missed  int
	Storage v1.BackupStorage
	Options v1.BackupOptions
}

// schedulePlan is everything the reconciler does for one cluster in one pass.
type schedulePlan struct {
	Create []dueBackup
	Expire []scheduledExpiry
	Status []v1.BackupScheduleStatus
	// Invalid is the first schedule that does not parse; Reason is empty when all do.
	Reason  v1.ConditionReason
	Message string
	// RequeueAfter is when the next schedule is due; zero when none is.
	RequeueAfter time.Duration
}

// scheduledExpiry is a backup retention deletes.
type scheduledExpiry struct {
	expiry
	Schedule string
}

// planSchedules decides, for every schedule of the cluster, whether a backup is due and which expire.
func planSchedules(o scheduleObservation) schedulePlan {
	var p schedulePlan
	var next time.Time
	for _, s := range o.Schedules {
		mine := backupsOf(o.Backups, s.Name)
		st := v1.BackupScheduleStatus{Name: s.Name, LastBackup: newestName(mine)}
		p.Expire = append(p.Expire, expiries(s, mine, o.Now)...)
		last, prev := lastRun(mine, statusOf(o.Status, s.Name))
		st.LastScheduleTime = timeOrNil(last)
		storage, options, perr := scheduleTarget(s, o.Profiles)
		ps, reason, err := parseSchedule(s)
		if err == nil && perr != nil {
			reason, err = v1.ReasonInvalidSchedule, perr
		}
		if err != nil {
			if p.Reason == "" {
				p.Reason, p.Message = reason, err.Error()
			}
			p.Status = append(p.Status, st)
			continue
		}
		if s.Enabled != nil && !*s.Enabled {
			p.Status = append(p.Status, st)
			continue
		}
		d := planDue(ps, dueInput{Now: o.Now, Last: last, FirstDue: firstDue(prev), Busy: anyRunning(mine)})
		if !d.Run.IsZero() {
			b := dueBackup{Name: scheduledBackupName(o.Cluster, s.Name, d.Run), Schedule: s.Name, Time: d.Run,
				Missed: d.Missed, Storage: storage, Options: options}
			p.Create = append(p.Create, b)
			st.LastScheduleTime, st.LastBackup = timeOrNil(d.Run), b.Name
		}
		st.NextScheduleTime = timeOrNil(d.Next)
		if !d.Next.IsZero() && (next.IsZero() || d.Next.Before(next)) {
			next = d.Next
		}
		p.Status = append(p.Status, st)
	}
	if len(o.Schedules) > 0 && p.Reason == "" {
		p.Reason, p.Message = v1.ReasonSchedulesValid, fmt.Sprintf("%d backup schedules", len(o.Schedules))
	}
	if !next.IsZero() {
		p.RequeueAfter = max(next.Sub(o.Now), time.Second)
	}
	return p
}

// scheduleTarget is the storage and options a schedule's backups get, from its profile or its own fields.
func scheduleTarget(s v1.BackupSchedule, profiles []v1.BackupProfile) (v1.BackupStorage, v1.BackupOptions, error) {
	if s.BackupProfileName == "" {
		var o v1.BackupOptions
		if s.Options != nil {
			o = *s.Options
		}
		if s.Storage == nil {
			return v1.BackupStorage{}, o, fmt.Errorf("backup schedule %s has neither storage nor a profile", s.Name)
		}
		return *s.Storage, o, nil
	}
	for _, pr := range profiles {
		if pr.Name == s.BackupProfileName {
			return pr.Storage, pr.Options, nil
		}
	}
	return v1.BackupStorage{}, v1.BackupOptions{}, fmt.Errorf("backup schedule %s: no backup profile %q",
		s.Name, s.BackupProfileName)
}

func backupsOf(all []observedBackup, schedule string) []observedBackup {
	var out []observedBackup
	for _, b := range all {
		if b.Schedule == schedule {
			out = append(out, b)
		}
	}
	return out
}

func statusOf(all []v1.BackupScheduleStatus, name string) *v1.BackupScheduleStatus {
	for i := range all {
		if all[i].Name == name {
			return &all[i]
		}
	}
	return nil
}

// lastRun is the newest scheduled time the schedule ran for, from its backups and its status.
func lastRun(mine []observedBackup, prev *v1.BackupScheduleStatus) (time.Time, *v1.BackupScheduleStatus) {
	var last time.Time
	for _, b := range mine {
		if b.Scheduled.After(last) {
			last = b.Scheduled
		}
	}
	if prev != nil && prev.LastScheduleTime != nil && prev.LastScheduleTime.After(last) {
		last = prev.LastScheduleTime.UTC()
	}
	return last, prev
}

// firstDue is the first run a schedule that never ran planned when it was first seen.
func firstDue(prev *v1.BackupScheduleStatus) time.Time {
	if prev == nil || prev.NextScheduleTime == nil {
		return time.Time{}
	}
	return prev.NextScheduleTime.UTC()
}

func anyRunning(mine []observedBackup) bool {
	for _, b := range mine {
		if b.Phase != v1.BackupSucceeded && b.Phase != v1.BackupFailed {
			return true
		}
	}
	return false
}

func newestName(mine []observedBackup) string {
	var best *observedBackup
	for i := range mine {
		if best == nil || mine[i].Created.After(best.Created) ||
			mine[i].Created.Equal(best.Created) && mine[i].Name > best.Name {
			best = &mine[i]
		}
	}
	if best == nil {
		return ""
	}
	return best.Name
}

func expiries(s v1.BackupSchedule, mine []observedBackup, now time.Time) []scheduledExpiry {
	rb := make([]retainedBackup, 0, len(mine))
	for _, b := range mine {
		rb = append(rb, retainedBackup{Name: b.Name, Phase: b.Phase, Created: b.Created,
			Verifying: verifying(b.Status)})
	}
	var out []scheduledExpiry
	for _, e := range planRetention(s.Retention, rb, now) {
		out = append(out, scheduledExpiry{expiry: e, Schedule: s.Name})
	}
	return out
}

func timeOrNil(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	mt := metav1.NewTime(t.UTC())
	return &mt
}

// maxScheduledBase keeps <base>-<yyyymmddhhmm> at 56 characters: the backup's Jobs add a 7-character suffix and
// a Job's name must fit a 63-character label.
const maxScheduledBase = 43

// scheduledBackupName is <cluster>-<schedule>-<scheduled minute in UTC>, the same for the same run on every pass
// (creating it twice fails with AlreadyExists). A long <cluster>-<schedule> is cut and given a hash of itself.
func scheduledBackupName(cluster, schedule string, t time.Time) string {
	base := cluster + "-" + schedule
	if len(base) > maxScheduledBase {
		h := fnv.New32a()
		_, _ = h.Write([]byte(base))
		base = fmt.Sprintf("%s-%08x", strings.TrimRight(base[:maxScheduledBase-9], "-"), h.Sum32())
	}
	return base + "-" + t.UTC().Format("200601021504")
}

// verifying reports whether a backup's restore-verify waits or runs.
func verifying(s v1.MySQLBackupStatus) bool {
	c := meta.FindStatusCondition(s.Conditions, string(v1.BackupConditionVerified))
	return c != nil && (c.Reason == string(v1.BackupReasonVerifying) ||
		c.Reason == string(v1.BackupReasonWaitingForVerification))
}
