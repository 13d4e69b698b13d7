package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func member(pod, role, state string, queue int64) v1.MemberStatus {
	return v1.MemberStatus{Pod: pod, Role: role, State: state, ApplierQueue: ptr.To(queue)}
}

func TestChooseSource(t *testing.T) {
	cases := []struct {
		name      string
		members   []v1.MemberStatus
		pod, role string
	}{
		{"freshest secondary", []v1.MemberStatus{member("db-0", "PRIMARY", "ONLINE", 0),
			member("db-1", "SECONDARY", "ONLINE", 50), member("db-2", "SECONDARY", "ONLINE", 3)}, "db-2", "SECONDARY"},
		{"tie by name", []v1.MemberStatus{member("db-2", "SECONDARY", "ONLINE", 0),
			member("db-1", "SECONDARY", "ONLINE", 0)}, "db-1", "SECONDARY"},
		{"recovering secondary skipped", []v1.MemberStatus{member("db-0", "PRIMARY", "ONLINE", 0),
			member("db-1", "SECONDARY", "RECOVERING", 0)}, "db-0", "PRIMARY"},
		{"nobody online", []v1.MemberStatus{member("db-0", "PRIMARY", "UNREACHABLE", 0)}, "", ""},
	}
	for _, c := range cases {
		pod, role, ok := chooseSource(c.members)
		if pod != c.pod || role != c.role || ok != (c.pod != "") {
			t.Errorf("%s: %s %s %v, want %s %s", c.name, pod, role, ok, c.pod, c.role)
		}
	}
}

func TestPlanBackup(t *testing.T) {
	online := []v1.MemberStatus{member("db-0", "PRIMARY", "ONLINE", 0), member("db-1", "SECONDARY", "ONLINE", 0)}
	cases := []struct {
		name   string
		obs    backupObservation
		phase  v1.BackupPhase
		reason v1.BackupReason
		create bool
	}{
		{"starts on a secondary", backupObservation{ClusterFound: true, Members: online}, v1.BackupRunning,
			v1.BackupReasonRunning, true},
		{"no cluster", backupObservation{}, v1.BackupPending, v1.BackupReasonClusterNotFound, false},
		{"one at a time", backupObservation{ClusterFound: true, Members: online, OtherJobs: []string{"b0"}},
			v1.BackupPending, v1.BackupReasonWaitingForBackup, false},
		{"no online member", backupObservation{ClusterFound: true}, v1.BackupPending,
			v1.BackupReasonNoOnlineMember, false},
		{"job runs", backupObservation{ClusterFound: true, Members: online, Job: &jobState{}}, v1.BackupRunning,
			v1.BackupReasonRunning, false},
		{"job succeeded", backupObservation{Job: &jobState{Succeeded: true, Message: `{"size":7}`}},
			v1.BackupSucceeded, v1.BackupReasonSucceeded, false},
		{"job failed", backupObservation{Job: &jobState{Failed: true, Message: "boom"}}, v1.BackupFailed,
			v1.BackupReasonJobFailed, false},
		{"finished stays", backupObservation{Phase: v1.BackupSucceeded, Job: &jobState{Failed: true}},
			v1.BackupSucceeded, "", false},
	}
	for _, c := range cases {
		s := planBackup(c.obs)
		if s.Phase != c.phase || s.Reason != c.reason || s.CreateJob != c.create {
			t.Errorf("%s: %+v, want %s %s create=%v", c.name, s, c.phase, c.reason, c.create)
		}
	}
	if s := planBackup(backupObservation{Job: &jobState{Succeeded: true, Message: `{"size":7,"gtidSet":"g"}`}}); s.
		Summary == nil || s.Summary.Size != 7 || s.Summary.GTIDSet != "g" {
		t.Errorf("summary not read: %+v", s.Summary)
	}
	if s := planBackup(backupObservation{ClusterFound: true, Members: online[:1]}); s.SourceRole != "PRIMARY" ||
		!contains(s.Message, "no secondary is ONLINE") {
		t.Errorf("primary fallback not said: %+v", s)
	}
}

// A step planned from a cached copy older than the write that finished the backup leaves it finished (the
// initDB envtest saw a Succeeded backup turned back to Pending "the cluster does not exist" under CI's load).
func TestAStaleStepLeavesAFinishedBackup(t *testing.T) {
	stale := planBackup(backupObservation{ClusterFound: false})
	for _, phase := range []v1.BackupPhase{v1.BackupSucceeded, v1.BackupFailed} {
		b := &v1.MySQLBackup{Status: v1.MySQLBackupStatus{Phase: phase, Message: "done"}}
		applyUnlessFinished(b, &b.Status, stale, metav1.Now())
		if b.Status.Phase != phase || b.Status.Message != "done" {
			t.Fatalf("%s backup after a stale %s step: %s %q", phase, stale.Phase, b.Status.Phase, b.Status.Message)
		}
	}
	b := &v1.MySQLBackup{}
	applyUnlessFinished(b, &b.Status, stale, metav1.Now())
	if b.Status.Phase != v1.BackupPending {
		t.Fatalf("a new backup after the step: %s", b.Status.Phase)
	}
}
