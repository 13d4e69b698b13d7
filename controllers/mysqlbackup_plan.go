package controllers

import (
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// backupObservation is what the backup reconciler saw, as plain data.
type backupObservation struct {
	// Phase is the backup's current phase.
	Phase v1.BackupPhase
	// ClusterFound is false when spec.clusterName names no cluster.
	ClusterFound bool
	// Members are the cluster's members as its status reports them.
	Members []v1.MemberStatus
	// Job is the backup's own Job; nil when it does not exist.
	Job *jobState
	// OtherJobs names the other backups of the cluster whose Job is still active.
	OtherJobs []string
	// Fence is the MySQLRestore that stopped the cluster's writes (AnnotationRestoreFence), "" when none.
	Fence string
}

// backupStep is what the reconciler does next: the status to write and whether to create the Job.
type backupStep struct {
	Phase      v1.BackupPhase
	Reason     v1.BackupReason
	Message    string
	CreateJob  bool
	Source     string
	SourceRole string
	Summary    *backupSummary
}

// backupSummary is the JSON `orca backup` leaves as its termination message.
type backupSummary struct {
	Location string `json:"location"`
	GTIDSet  string `json:"gtidSet"`
	Size     int64  `json:"size"`
}

// planBackup decides the next step of one backup. A finished backup is never touched again.
func planBackup(o backupObservation) backupStep {
	switch {
	case o.Phase == v1.BackupSucceeded || o.Phase == v1.BackupFailed:
		return backupStep{Phase: o.Phase}
	case o.Job != nil:
		return observeJob(*o.Job)
	case !o.ClusterFound:
		return backupStep{Phase: v1.BackupPending, Reason: v1.BackupReasonClusterNotFound,
			Message: "the cluster does not exist"}
	case o.Fence != "":
		return backupStep{Phase: v1.BackupPending, Reason: v1.BackupReasonWaitingForRestore,
			Message: "MySQLRestore " + o.Fence + " replaces the cluster's data; the backup waits for it to end"}
	case len(o.OtherJobs) > 0:
		return backupStep{Phase: v1.BackupPending, Reason: v1.BackupReasonWaitingForBackup,
			Message: "waiting for backup " + strings.Join(o.OtherJobs, ", ") + " of the same cluster to end"}
	}
	pod, role, ok := chooseSource(o.Members)
	if !ok {
		return backupStep{Phase: v1.BackupPending, Reason: v1.BackupReasonNoOnlineMember,
			Message: "no member of the cluster is ONLINE"}
	}
	msg := "backing up from secondary " + pod
	if role == "PRIMARY" {
		msg = "no secondary is ONLINE: backing up from the primary " + pod
	}
	return backupStep{Phase: v1.BackupRunning, Reason: v1.BackupReasonRunning, Message: msg, CreateJob: true,
		Source: pod, SourceRole: role}
}

func observeJob(j jobState) backupStep {
	switch {
	case j.Succeeded:
		var s backupSummary
		if err := json.Unmarshal([]byte(j.Message), &s); err != nil {
			return backupStep{Phase: v1.BackupSucceeded, Reason: v1.BackupReasonSucceeded,
				Message: fmt.Sprintf("the Job succeeded but its summary is unreadable: %v", err)}
		}
		return backupStep{Phase: v1.BackupSucceeded, Reason: v1.BackupReasonSucceeded, Message: "backup complete",
			Summary: &s}
	case j.Failed:
		msg := j.Message
		if msg == "" {
			msg = "the backup Job failed"
		}
		return backupStep{Phase: v1.BackupFailed, Reason: v1.BackupReasonJobFailed, Message: msg}
	}
	return backupStep{Phase: v1.BackupRunning, Reason: v1.BackupReasonRunning}
}

// chooseSource picks the ONLINE secondary with the shortest applier queue (the freshest), by pod name on a tie;
// the ONLINE primary only when no secondary is ONLINE.
func chooseSource(members []v1.MemberStatus) (pod, role string, ok bool) {
	best := -1
	for i, m := range members {
		if m.State != "ONLINE" || m.Role != "SECONDARY" {
			continue
		}
		if best < 0 || queue(m) < queue(members[best]) ||
			queue(m) == queue(members[best]) && m.Pod < members[best].Pod {
			best = i
		}
	}
	if best >= 0 {
		return members[best].Pod, "SECONDARY", true
	}
	for _, m := range members {
		if m.State == "ONLINE" && m.Role == "PRIMARY" {
			return m.Pod, "PRIMARY", true
		}
	}
	return "", "", false
}

func queue(m v1.MemberStatus) int64 {
	if m.ApplierQueue == nil {
		return 0
	}
	return *m.ApplierQueue
}
