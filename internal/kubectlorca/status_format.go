package kubectlorca

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// notArchived is what status says of the restorable time: the API has no archive of binary logs, so a cluster
// can be brought back only to a backup's GTID set.
const notArchived = "not archived (binary logs are not archived: a restore brings back a backup's GTID set)"

// writeStatus prints a cluster's status and its last complete backup. It reads only c and backups.
func writeStatus(w io.Writer, c *v1.InnoDBCluster, backups []v1.MySQLBackup) error {
	s := &c.Status
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Cluster:\t%s/%s\n", c.Namespace, c.Name)
	fmt.Fprintf(tw, "State:\t%s\n", orDash(string(s.ClusterState)))
	fmt.Fprintf(tw, "Primary:\t%s\n", orDash(s.Primary))
	fmt.Fprintf(tw, "Members:\t%d of %d ONLINE, %d pods Ready, max applier queue %d\n", s.OnlineInstances,
		c.Spec.Instances, s.ReadyInstances, s.MaxApplierQueue)
	fmt.Fprintf(tw, "Version:\t%s\n", orDash(c.Spec.Version))
	fmt.Fprintf(tw, "Last probe:\t%s\n", formatTime(s.LastProbeTime))
	fmt.Fprintf(tw, "Routers:\t%s\n", routerSummary(c))
	fmt.Fprintf(tw, "Last backup:\t%s\n", lastBackupLine(c, backups))
	fmt.Fprintf(tw, "Verified:\t%s\n", refSummary(s.LastVerifiedBackup, "verified", "none verified"))
	fmt.Fprintf(tw, "Schedules:\t%s\n", schedulesSummary(c))
	fmt.Fprintf(tw, "Restorable:\t%s\n", notArchived)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write status: %w", err)
	}
	if err := writeMembers(w, s.Members); err != nil {
		return err
	}
	return writeConditions(w, s.Conditions)
}

func writeMembers(w io.Writer, members []v1.MemberStatus) error {
	fmt.Fprintln(w, "\nMEMBERS")
	if len(members) == 0 {
		fmt.Fprintln(w, "  none observed yet")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "POD\tROLE\tSTATE\tHEALTH\tVERSION\tQUEUE\tNODE\tZONE\tOFFLINE MODE\tLAST ERROR")
	for _, m := range members {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Pod, orDash(m.Role), orDash(m.State),
			orDash(m.Health), orDash(m.Version), queue(m.ApplierQueue), orDash(m.Node), orDash(m.Zone),
			onOff(m.OfflineMode), orDash(oneLine(m.LastError)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write members: %w", err)
	}
	return nil
}

func writeConditions(w io.Writer, conds []metav1.Condition) error {
	fmt.Fprintln(w, "\nCONDITIONS")
	if len(conds) == 0 {
		fmt.Fprintln(w, "  none yet")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tSTATUS\tREASON\tSINCE\tMESSAGE")
	for _, cond := range conds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cond.Type, cond.Status, orDash(cond.Reason),
			formatTime(&cond.LastTransitionTime), orDash(oneLine(cond.Message)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write conditions: %w", err)
	}
	return nil
}

// routerSummary counts the Ready routers against spec.router.instances.
func routerSummary(c *v1.InnoDBCluster) string {
	want := routerInstances(c)
	if want == 0 {
		return "none requested"
	}
	var ready int32
	if c.Status.Router != nil {
		ready = c.Status.Router.ReadyReplicas
	}
	return fmt.Sprintf("%d of %d Ready", ready, want)
}

// routerInstances is spec.router.instances with the API's default (2 when the router object has none).
func routerInstances(c *v1.InnoDBCluster) int32 {
	switch {
	case c.Spec.Router == nil:
		return 0
	case c.Spec.Router.Instances == nil:
		return 2
	}
	return *c.Spec.Router.Instances
}

// backupComplete says whether a backup can be restored: Succeeded, or its Complete condition True.
func backupComplete(b *v1.MySQLBackup) bool {
	return b.Status.Phase == v1.BackupSucceeded ||
		meta.IsStatusConditionTrue(b.Status.Conditions, string(v1.BackupConditionComplete))
}

// lastCompleteBackup is the complete backup that finished last, nil when there is none.
func lastCompleteBackup(backups []v1.MySQLBackup) *v1.MySQLBackup {
	var last *v1.MySQLBackup
	for i := range backups {
		b := &backups[i]
		if backupComplete(b) && (last == nil || backupTime(b).After(backupTime(last))) {
			last = b
		}
	}
	return last
}

// backupTime is when a backup completed, or was created when it has no completion time.
func backupTime(b *v1.MySQLBackup) time.Time {
	if b.Status.CompletionTime != nil {
		return b.Status.CompletionTime.Time
	}
	return b.CreationTimestamp.Time
}

func backupSummary(b *v1.MySQLBackup) string {
	if b == nil {
		return "none complete"
	}
	parts := []string{b.Name, "completed " + formatTime(b.Status.CompletionTime), formatBytes(b.Status.SizeBytes)}
	if b.Status.Location != "" {
		parts = append(parts, b.Status.Location)
	}
	if b.Status.GTIDSet != "" {
		parts = append(parts, "GTID "+b.Status.GTIDSet)
	}
	return strings.Join(parts, ", ")
}

// sortBackups orders backups newest first (by creation, then name), as `backups` lists them.
func sortBackups(backups []v1.MySQLBackup) {
	sort.SliceStable(backups, func(i, j int) bool {
		ti, tj := backups[i].CreationTimestamp.Time, backups[j].CreationTimestamp.Time
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return backups[i].Name > backups[j].Name
	})
}

// writeBackups lists backups with their phase, completion, size, GTID set and location.
func writeBackups(w io.Writer, backups []v1.MySQLBackup) error {
	if len(backups) == 0 {
		fmt.Fprintln(w, "No backups.")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPHASE\tCOMPLETED\tSIZE\tGTID SET\tLOCATION")
	for i := range backups {
		b := &backups[i]
		size := "-"
		if b.Status.SizeBytes > 0 {
			size = formatBytes(b.Status.SizeBytes)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", b.Name, orDash(string(b.Status.Phase)),
			formatTime(b.Status.CompletionTime), size, orDash(b.Status.GTIDSet), orDash(b.Status.Location))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write backups: %w", err)
	}
	return nil
}

func formatTime(t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// formatBytes prints a size in binary units with one decimal ("1.5 MiB").
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func queue(q *int64) string {
	if q == nil {
		return "-"
	}
	return strconv.FormatInt(*q, 10)
}

func onOff(b bool) string {
	if b {
		return "ON"
	}
	return "OFF"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps a table row on one line: a MySQL error may hold newlines.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
