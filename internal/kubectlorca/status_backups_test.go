package kubectlorca

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// The cluster's own status says which backup is the last complete and the last verified one, and what its
// schedules do next.
func TestWriteStatusFromTheClusterBackupStatus(t *testing.T) {
	c := testCluster()
	c.Spec.BackupSchedules = []v1.BackupSchedule{
		{Name: "nightly", Schedule: "0 2 * * *", TimeZone: "Europe/Paris"},
		{Name: "hourly", Schedule: "@hourly", Enabled: ptr.To(false)},
	}
	c.Status.BackupSchedules = []v1.BackupScheduleStatus{{Name: "nightly", NextScheduleTime: mt(16 * time.Hour),
		LastBackup: "mycluster-nightly-202612010100"}}
	c.Status.LastCompleteBackup = &v1.BackupRef{Name: "pruned", Time: mt(time.Hour), Location: "s3://b/p/pruned",
		GTIDSet: "uuid:1-9"}
	c.Status.LastVerifiedBackup = &v1.BackupRef{Name: "old", Time: mt(30 * time.Minute), Location: "s3://b/p/old"}
	var buf bytes.Buffer
	// "new" is newer in the list, but the status names the backup the operator counted.
	if err := writeStatus(&buf, c, []v1.MySQLBackup{testBackup("new", v1.BackupSucceeded, mt(2*time.Hour))}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for key, want := range map[string][]string{
		"Last backup:": {"pruned,", "completed 2026-12-01T11:00:00Z", "s3://b/p/pruned", "GTID uuid:1-9"},
		"Verified:":    {"old,", "verified 2026-12-01T10:30:00Z", "s3://b/p/old"},
		"Schedules:": {"nightly (0 2 * * * Europe/Paris) next 2026-12-02T02:00:00Z, last mycluster-nightly-202612010100",
			"hourly (@hourly UTC) disabled"},
	} {
		line := lineWith(t, out, key)
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("line %q lacks %q", line, w)
			}
		}
	}
	buf.Reset()
	if err := writeStatus(&buf, testCluster(), nil); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "Verified:     none verified") ||
		!strings.Contains(out, "Schedules:    none") {
		t.Errorf("no backup status:\n%s", out)
	}
}
