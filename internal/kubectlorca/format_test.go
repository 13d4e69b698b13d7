package kubectlorca

import (
	"bytes"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func mt(d time.Duration) *metav1.Time { return &metav1.Time{Time: t0.Add(d)} }

func testCluster() *v1.InnoDBCluster {
	return &v1.InnoDBCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "mycluster", Namespace: "shop"},
		Spec:       v1.InnoDBClusterSpec{Instances: 3, Version: "8.4.3", Router: &v1.RouterSpec{}},
		Status: v1.InnoDBClusterStatus{
			ClusterState: v1.ClusterStateOnlinePartial, Primary: "mycluster-0", OnlineInstances: 2,
			ReadyInstances: 2, MaxApplierQueue: 7, LastProbeTime: mt(0),
			Router: &v1.RouterStatus{ReadyReplicas: 1},
			Members: []v1.MemberStatus{
				{Pod: "mycluster-0", Role: "PRIMARY", State: "ONLINE", Health: "Online", Version: "8.4.3",
					ApplierQueue: ptr.To[int64](0), Node: "n1", Zone: "z1"},
				{Pod: "mycluster-1", Role: "SECONDARY", State: "ONLINE", Health: "Online", Version: "8.4.3",
					ApplierQueue: ptr.To[int64](7), Node: "n2", Zone: "z2", OfflineMode: true},
				{Pod: "mycluster-2", State: "UNKNOWN", Health: "Unreachable", LastError: "dial:\n refused"},
			},
			Conditions: []metav1.Condition{
				{Type: "Ready", Status: "False", Reason: "PartiallyOnline", Message: "2 of 3", LastTransitionTime: *mt(0)},
				{Type: "MembersSpread", Status: "True", Reason: "MembersApart", LastTransitionTime: *mt(0)},
			},
		},
	}
}

func testBackup(name string, phase v1.BackupPhase, completed *metav1.Time) v1.MySQLBackup {
	return v1.MySQLBackup{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", CreationTimestamp: metav1.Time{Time: t0}},
		Spec:       v1.MySQLBackupSpec{ClusterName: "mycluster"},
		Status: v1.MySQLBackupStatus{Phase: phase, CompletionTime: completed, SizeBytes: 1536 * 1024,
			GTIDSet: "uuid:1-" + name, Location: "s3://b/p/" + name},
	}
}

// lineWith returns the output line that contains key, failing when none does.
func lineWith(t *testing.T, out, key string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, key) {
			return l
		}
	}
	t.Fatalf("no line with %q in:\n%s", key, out)
	return ""
}

func TestWriteStatus(t *testing.T) {
	backups := []v1.MySQLBackup{
		testBackup("old", v1.BackupSucceeded, mt(time.Hour)),
		testBackup("newest-failed", v1.BackupFailed, mt(3*time.Hour)),
		testBackup("new", v1.BackupSucceeded, mt(2*time.Hour)),
		testBackup("running", v1.BackupRunning, nil),
	}
	var buf bytes.Buffer
	if err := writeStatus(&buf, testCluster(), backups); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for key, want := range map[string][]string{
		"Cluster:":        {"shop/mycluster"},
		"State:":          {"ONLINE_PARTIAL"},
		"Members:":        {"2 of 3 ONLINE", "max applier queue 7"},
		"Routers:":        {"1 of 2 Ready"},
		"Last backup:":    {"new,", "completed 2026-12-01T12:00:00Z", "1.5 MiB", "s3://b/p/new", "GTID uuid:1-new"},
		"Restorable:":     {"not archived"},
		"mycluster-1 ":    {"SECONDARY", "ONLINE", "7", "n2", "z2", "ON"},
		"mycluster-2 ":    {"UNKNOWN", "Unreachable", "dial: refused"},
		"MembersSpread":   {"True", "MembersApart"},
		"PartiallyOnline": {"Ready", "False", "2 of 3"},
	} {
		line := lineWith(t, out, key)
		for _, w := range want {
			if !strings.Contains(line, w) {
				t.Errorf("line %q lacks %q", line, w)
			}
		}
	}
}

func TestWriteStatusEmpty(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: "new", Namespace: "ns"}}
	var buf bytes.Buffer
	if err := writeStatus(&buf, c, []v1.MySQLBackup{testBackup("r", v1.BackupRunning, nil)}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"State:        -", "Routers:      none requested", "Last backup:  none complete",
		"none observed yet", "none yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestLastCompleteBackup(t *testing.T) {
	byCondition := testBackup("by-condition", "", mt(5*time.Hour))
	byCondition.Status.Conditions = []metav1.Condition{{Type: "Complete", Status: "True"}}
	for _, tc := range []struct {
		name    string
		backups []v1.MySQLBackup
		want    string
	}{
		{"none", nil, ""},
		{"only failed", []v1.MySQLBackup{testBackup("f", v1.BackupFailed, mt(0))}, ""},
		{"newest completion wins", []v1.MySQLBackup{testBackup("a", v1.BackupSucceeded, mt(2*time.Hour)),
			testBackup("b", v1.BackupSucceeded, mt(time.Hour))}, "a"},
		{"Complete condition counts", []v1.MySQLBackup{testBackup("a", v1.BackupSucceeded, mt(time.Hour)),
			byCondition}, "by-condition"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := lastCompleteBackup(tc.backups)
			if (got == nil) != (tc.want == "") || (got != nil && got.Name != tc.want) {
				t.Errorf("got %v, want %q", got, tc.want)
			}
		})
	}
}

func TestWriteBackups(t *testing.T) {
	older := testBackup("b-older", v1.BackupSucceeded, mt(time.Hour))
	older.CreationTimestamp = metav1.Time{Time: t0.Add(-time.Hour)}
	pending := testBackup("c-pending", v1.BackupPending, nil)
	pending.Status.SizeBytes, pending.Status.GTIDSet, pending.Status.Location = 0, "", ""
	backups := []v1.MySQLBackup{older, pending, testBackup("a-same-time", v1.BackupSucceeded, mt(2*time.Hour))}
	sortBackups(backups)
	var buf bytes.Buffer
	if err := writeBackups(&buf, backups); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header and 3 rows:\n%s", buf.String())
	}
	for i, want := range [][]string{
		{"NAME", "PHASE", "COMPLETED", "SIZE", "GTID SET", "LOCATION"},
		{"c-pending", "Pending", "-  ", "-"},
		{"a-same-time", "Succeeded", "2026-12-01T12:00:00Z", "1.5 MiB", "uuid:1-a-same-time", "s3://b/p/a-same-time"},
		{"b-older", "Succeeded", "2026-12-01T11:00:00Z"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d %q lacks %q", i, lines[i], w)
			}
		}
	}
	buf.Reset()
	if err := writeBackups(&buf, nil); err != nil || buf.String() != "No backups.\n" {
		t.Errorf("empty list: %q, %v", buf.String(), err)
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536 * 1024: "1.5 MiB",
		5 << 30: "5.0 GiB", 3 << 40: "3.0 TiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
