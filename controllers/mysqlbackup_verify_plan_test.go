package controllers

import (
	"strings"
	"testing"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestPlanVerify(t *testing.T) {
	running, done := &jobState{}, &jobState{Succeeded: true,
		Message: `{"location":"s3://b/db/b1","rows":42,"restoreSeconds":2.2,"verified":true}`}
	corrupt := &jobState{Failed: true, Message: `{"location":"s3://b/db/b1","failure":"corrupt",` +
		`"object":"data/t00001/p00001-0001.sql.zst","error":"corrupt backup object: sha256 differs"}`}
	mismatch := &jobState{Failed: true, Message: `{"restoreSeconds":0.4,"failure":"mismatch",` +
		`"error":"verification failed: app.t (4 rows, want 5)"}`}
	for _, c := range []struct {
		name    string
		obs     verifyObservation
		reason  v1.BackupReason
		create  bool
		delete  bool
		verdict string // "", "true", "false"
		seconds int64
		msg     string
	}{
		{"disabled", verifyObservation{}, v1.BackupReasonVerificationDisabled, false, false, "", 0, "spec.verify"},
		{"disabled once", verifyObservation{Reason: v1.BackupReasonVerificationDisabled}, "", false, false, "", 0, ""},
		{"no cluster", verifyObservation{Enabled: true}, v1.BackupReasonClusterNotFound, false, false, "", 0, ""},
		{"other verification", verifyObservation{Enabled: true, ClusterFound: true, OtherJobs: []string{"b0"}},
			v1.BackupReasonWaitingForVerification, false, false, "", 0, "b0"},
		{"start", verifyObservation{Enabled: true, ClusterFound: true}, v1.BackupReasonVerifying, true, false, "",
			0, ""},
		{"running", verifyObservation{Enabled: true, ClusterFound: true, Job: running, OtherJobs: []string{"b0"}},
			v1.BackupReasonVerifying, false, false, "", 0, ""},
		{"passed", verifyObservation{Enabled: true, ClusterFound: true, Job: done}, v1.BackupReasonVerified,
			false, true, "true", 3, "42 rows"},
		{"corrupt chunk", verifyObservation{Enabled: true, Job: corrupt}, v1.BackupReasonObjectCorrupt, false,
			true, "false", 0, "data/t00001/p00001-0001.sql.zst"},
		{"mismatch", verifyObservation{Enabled: true, Job: mismatch}, v1.BackupReasonVerificationMismatch, false,
			true, "false", 1, "app.t"},
		{"no report", verifyObservation{Enabled: true, Job: &jobState{Failed: true, Message: "OOMKilled"}},
			v1.BackupReasonVerifyJobFailed, false, true, "false", 0, "OOMKilled"},
		{"succeeded unverified", verifyObservation{Enabled: true, Job: &jobState{Succeeded: true,
			Message: `{"verified":false}`}}, v1.BackupReasonVerifyJobFailed, false, true, "false", 0, ""},
		{"ended: only cleanup", verifyObservation{Enabled: true, Ended: true, Job: done}, "", false, true, "", 0,
			""},
		{"ended and cleaned", verifyObservation{Enabled: true, Ended: true}, "", false, false, "", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := planVerify(c.obs)
			verdict := ""
			if s.Verified != nil {
				verdict = map[bool]string{true: "true", false: "false"}[*s.Verified]
			}
			var seconds int64
			if s.RestoreSeconds != nil {
				seconds = *s.RestoreSeconds
			}
			if s.Reason != c.reason || s.CreateJob != c.create || s.DeleteJob != c.delete || verdict != c.verdict ||
				seconds != c.seconds || !strings.Contains(s.Message, c.msg) {
				t.Errorf("planVerify = %+v (verified %s, %d s)", s, verdict, seconds)
			}
		})
	}
}
