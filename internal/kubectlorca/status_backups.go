package kubectlorca

import (
	"fmt"
	"strings"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// lastBackupLine is the cluster status's lastCompleteBackup, with its size when the backup is listed; an operator
// that does not write it yet leaves the newest complete backup of the list.
func lastBackupLine(c *v1.InnoDBCluster, backups []v1.MySQLBackup) string {
	ref := c.Status.LastCompleteBackup
	if ref == nil {
		return backupSummary(lastCompleteBackup(backups))
	}
	for i := range backups {
		if backups[i].Name == ref.Name {
			return backupSummary(&backups[i])
		}
	}
	return refSummary(ref, "completed", "none complete")
}

// refSummary prints a backup reference of the cluster's status: name, when, location and GTID set.
func refSummary(ref *v1.BackupRef, verb, none string) string {
	if ref == nil {
		return none
	}
	parts := []string{ref.Name, verb + " " + formatTime(ref.Time)}
	if ref.Location != "" {
		parts = append(parts, ref.Location)
	}
	if ref.GTIDSet != "" {
		parts = append(parts, "GTID "+ref.GTIDSet)
	}
	return strings.Join(parts, ", ")
}

// schedulesSummary is one entry per backup schedule: its cron and zone, its next run and its newest backup.
func schedulesSummary(c *v1.InnoDBCluster) string {
	if len(c.Spec.BackupSchedules) == 0 {
		return "none"
	}
	parts := make([]string, 0, len(c.Spec.BackupSchedules))
	for _, s := range c.Spec.BackupSchedules {
		zone := s.TimeZone
		if zone == "" {
			zone = "UTC"
		}
		line := fmt.Sprintf("%s (%s %s)", s.Name, s.Schedule, zone)
		st := scheduleStatus(c, s.Name)
		switch {
		case s.Enabled != nil && !*s.Enabled:
			line += " disabled"
		case st != nil && st.NextScheduleTime != nil:
			line += " next " + formatTime(st.NextScheduleTime)
		}
		if st != nil && st.LastBackup != "" {
			line += ", last " + st.LastBackup
		}
		parts = append(parts, line)
	}
	return strings.Join(parts, "; ")
}

func scheduleStatus(c *v1.InnoDBCluster, name string) *v1.BackupScheduleStatus {
	for i := range c.Status.BackupSchedules {
		if c.Status.BackupSchedules[i].Name == name {
			return &c.Status.BackupSchedules[i]
		}
	}
	return nil
}
