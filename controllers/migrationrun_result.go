package controllers

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/migrate"
)

// podStatus is the run's status that follows from its Pod: Running until the Pod ends, then Succeeded or Failed
// with what the runner reported in its termination message, or Blocked for good when its prechecks refused the
// commit.
func podStatus(pod *corev1.Pod, s *v1.MigrationRunStatus) {
	s.PodName = pod.Name
	if s.StartTime == nil {
		t := pod.CreationTimestamp
		s.StartTime = &t
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		s.Phase, s.Reason, s.Message = v1.MigrationSucceeded, "", "every migration is applied"
	case corev1.PodFailed:
		s.Phase, s.Reason, s.Message = v1.MigrationFailed, v1.ReasonPodFailed, "the migration Pod failed"
	default:
		s.Phase, s.Reason, s.Message = v1.MigrationRunning, "", "the migration Pod runs"
		return
	}
	if s.CompletionTime == nil {
		now := metav1.Now()
		s.CompletionTime = &now
	}
	applyReport(terminationMessage(pod), s)
}

// terminationMessage is the migrate container's termination message, "" when it has none.
func terminationMessage(pod *corev1.Pod) string {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == "migrate" && cs.State.Terminated != nil {
			return cs.State.Terminated.Message
		}
	}
	return ""
}

// applyReport copies the built-in runner's report into the status; an image runner's message stays a message.
func applyReport(msg string, s *v1.MigrationRunStatus) {
	rep, err := migrate.DecodeReport(msg)
	if err != nil {
		if msg != "" && s.Phase == v1.MigrationFailed {
			s.Message = cutString(msg, 1024)
		}
		return
	}
	s.Applied = nil
	for _, a := range rep.Applied {
		s.Applied = append(s.Applied, v1.AppliedMigration{Version: a.Version, File: a.File, Checksum: a.Checksum,
			Statements: int32(a.Statements), GTIDAfter: a.GTIDAfter})
		s.Version = a.Version
	}
	if rep.Reason != "" {
		s.Reason = rep.Reason
	}
	if s.Phase == v1.MigrationFailed && refusedBeforeApplying(rep.Reason) {
		s.Phase = v1.MigrationBlocked
	}
	switch {
	case s.Phase == v1.MigrationBlocked:
		s.Message = cutString("the runner's prechecks refused the commit's migrations before any statement "+
			"ran (blocked for good: push a fix): "+rep.Error, 1024)
	case rep.Error != "":
		s.Message = cutString(rep.Error, 1024)
	case rep.Flavor != "":
		s.Message = "every migration is applied (" + string(rep.Flavor) + ")"
	}
	s.Lint = nil
	for _, f := range rep.Lint {
		s.Lint = append(s.Lint, v1.LintFinding{File: f.File, StatementIndex: int32(f.Index), Rule: f.Rule,
			Severity: f.Severity, Message: f.Message})
	}
	if f := rep.Failure; f != nil {
		s.Failure = &v1.MigrationFailure{File: f.File, StatementIndex: int32(f.Index), Statement: f.Statement,
			Error: f.Error}
	}
}

func cutString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// refusedBeforeApplying reports whether the runner's reason is one of its prechecks, which refuse a run before
// its first statement: the run is Blocked (a precheck's outcome), not Failed.
func refusedBeforeApplying(r v1.MigrationReason) bool {
	return r == v1.ReasonLintFindings || r == v1.ReasonMissingPrimaryKey || r == v1.ReasonTransactionTooLarge
}
