package controllers

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func expiredNames(e []expiry) []string {
	var out []string
	for _, x := range e {
		out = append(out, x.Name)
	}
	slices.Sort(out)
	return out
}

func TestPlanRetention(t *testing.T) {
	now := at("2026-12-10T00:00:00Z")
	day := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	ok, failed, running := v1.BackupSucceeded, v1.BackupFailed, v1.BackupRunning
	week := &metav1.Duration{Duration: 7 * 24 * time.Hour}
	for _, c := range []struct {
		name    string
		r       *v1.BackupRetention
		backups []retainedBackup
		want    []string
	}{
		{"no retention keeps all", nil,
			[]retainedBackup{{"a", ok, day(30), false}, {"b", ok, day(1), false}}, nil},
		{"keepLast 2 of 4 complete", &v1.BackupRetention{KeepLast: ptr.To[int32](2)},
			[]retainedBackup{{"d1", ok, day(1), false}, {"d2", ok, day(2), false}, {"d3", ok, day(3), false},
				{"d4", ok, day(4), false}},
			[]string{"d3", "d4"}},
		{"keepLast counts complete backups: a failure in between is kept until 2 newer completed",
			&v1.BackupRetention{KeepLast: ptr.To[int32](2)},
			[]retainedBackup{{"d1", ok, day(1), false}, {"d2", failed, day(2), false}, {"d3", ok, day(3), false},
				{"d4", failed, day(4), false}},
			[]string{"d4"}},
		{"maxAge never takes the newest complete one, nor a running one",
			&v1.BackupRetention{MaxAge: week},
			[]retainedBackup{{"new-running", running, day(20), false}, {"newest-ok", ok, day(10), false},
				{"old-ok", ok, day(11), false}, {"old-failed", failed, day(12), false}},
			[]string{"old-failed", "old-ok"}},
		{"a failure newer than every complete one expires with age",
			&v1.BackupRetention{MaxAge: week},
			[]retainedBackup{{"f", failed, day(8), false}, {"ok", ok, day(9), false}},
			[]string{"f"}},
		{"a backup being verified is kept", &v1.BackupRetention{KeepLast: ptr.To[int32](1)},
			[]retainedBackup{{"d1", ok, day(1), false}, {"d2", ok, day(2), true}, {"d3", ok, day(3), false}},
			[]string{"d3"}},
		{"both limits: either expires", &v1.BackupRetention{KeepLast: ptr.To[int32](3), MaxAge: week},
			[]retainedBackup{{"d1", ok, day(1), false}, {"d8", ok, day(8), false}, {"d2", ok, day(2), false},
				{"d3", ok, day(3), false}, {"d4", ok, day(4), false}},
			[]string{"d4", "d8"}},
	} {
		if got := expiredNames(planRetention(c.r, c.backups, now)); !slices.Equal(got, c.want) {
			t.Errorf("%s: expired %v, want %v", c.name, got, c.want)
		}
	}
}

// Whatever the limits and backups, the newest complete backup and unfinished ones survive.
func TestPlanRetentionNeverTakesNewestCompleteOrRunning(t *testing.T) {
	now := at("2026-12-10T00:00:00Z")
	phases := []v1.BackupPhase{v1.BackupSucceeded, v1.BackupFailed, v1.BackupRunning, v1.BackupPending, ""}
	r := &v1.BackupRetention{KeepLast: ptr.To[int32](1), MaxAge: &metav1.Duration{Duration: time.Second}}
	for seed := range 500 {
		var bs []retainedBackup
		for i := range 1 + seed%7 {
			bs = append(bs, retainedBackup{Name: string(rune('a' + i)), Phase: phases[(seed/(i+1)+i)%len(phases)],
				Created: now.Add(-time.Duration((seed*31+i*17)%50) * time.Hour)})
		}
		gone := expiredNames(planRetention(r, bs, now))
		var newest *retainedBackup
		for i := range bs {
			b := &bs[i]
			if b.Phase == v1.BackupSucceeded && (newest == nil || b.Created.After(newest.Created) ||
				b.Created.Equal(newest.Created) && b.Name > newest.Name) {
				newest = b
			}
			if b.Phase != v1.BackupSucceeded && b.Phase != v1.BackupFailed && slices.Contains(gone, b.Name) {
				t.Fatalf("seed %d: unfinished %s expired (%v)", seed, b.Name, bs)
			}
		}
		if newest != nil && slices.Contains(gone, newest.Name) {
			t.Fatalf("seed %d: newest complete %s expired (%v)", seed, newest.Name, bs)
		}
	}
}
