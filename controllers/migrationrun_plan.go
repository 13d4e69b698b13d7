package controllers

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// defaultMaxApplierQueue is the applier queue above which a run waits when the hook sets no maxApplierQueue (the
// API's default): a migration would add to the lag.
const defaultMaxApplierQueue = 100

// flowControlThreshold is the default of group_replication_flow_control_certifier_threshold and
// group_replication_flow_control_applier_threshold (MySQL 8.4 manual 20.9.1), which Orca leaves unchanged: a
// member's queue at it makes flow control (QUOTA, the default mode) throttle the group's writers.
const flowControlThreshold = 25000

// runObservation is what the planner knows of a run: plain objects, read before planning.
type runObservation struct {
	Run *v1.MigrationRun
	// Hook and Cluster are nil when they do not exist.
	Hook    *v1.MigrationHook
	Cluster *v1.InnoDBCluster
	// Pod is the run's migration Pod, nil when there is none.
	Pod *corev1.Pod
	// Others are the other runs of the same cluster in the namespace.
	Others []v1.MigrationRun
	// Backup is the run's pre-migration MySQLBackup, nil when there is none.
	Backup *v1.MySQLBackup
	// Backups are the cluster's other MySQLBackups.
	Backups []v1.MySQLBackup
}

// runStep is the planner's decision: the status to write and whether to create the Pod or the backup.
type runStep struct {
	Phase   v1.MigrationPhase
	Reason  v1.MigrationReason
	Message string
	// Final blocks the run for good: it never starts (completionTime is set).
	Final     bool
	CreatePod bool
	// CreateBackup creates the pre-migration backup from Profile, named BackupName.
	CreateBackup bool
	Profile      *v1.BackupProfile
	// BackupName and BackupGTID are recorded in the status when set.
	BackupName, BackupGTID string
}

func terminal(p v1.MigrationPhase) bool { return p == v1.MigrationSucceeded || p == v1.MigrationFailed }

// ended reports whether a run changes no more: Succeeded, Failed, or Blocked for good.
func ended(s *v1.MigrationRunStatus) bool {
	return terminal(s.Phase) || (s.Phase == v1.MigrationBlocked && s.CompletionTime != nil)
}

// planRun decides the next step of a run that has no Pod yet: each precheck that fails is a reason, in the
// order a DBA would check them.
func planRun(o runObservation) runStep {
	run, hook := o.Run, o.Hook
	switch {
	case ended(&run.Status):
		return runStep{Phase: run.Status.Phase, Reason: run.Status.Reason, Message: run.Status.Message,
			Final: run.Status.Phase == v1.MigrationBlocked}
	case hook == nil:
		return runStep{Phase: v1.MigrationFailed, Reason: v1.ReasonHookMissing,
			Message: "MigrationHook " + run.Spec.HookName + " does not exist"}
	case hook.Spec.ConcurrencyPolicy == v1.ConcurrencyReplace && newerRunWaiting(run, o.Others):
		return runStep{Phase: v1.MigrationFailed, Reason: v1.ReasonSuperseded,
			Message: "a newer run of the cluster replaced this one before it started"}
	case hook.Spec.RequireApproval && run.Annotations[v1.AnnotationApprovedBy] == "":
		return runStep{Phase: v1.MigrationAwaitingApproval,
			Message: "set the annotation " + v1.AnnotationApprovedBy + " (kubectl orca approve) to start it"}
	}
	if step, blocked := concurrencyStep(run, hook.Spec.ConcurrencyPolicy, o.Others); blocked {
		return step
	}
	if step, inFlight := backupInFlight(o); inFlight {
		return step
	}
	step := clusterStep(hook, o.Cluster)
	if step.Phase != v1.MigrationRunning {
		return step
	}
	if step, busy := backupsStep(o); busy {
		return step
	}
	if hook.Spec.PreMigrationBackup {
		return preBackupStep(o)
	}
	return step
}

// concurrencyStep holds a run while another run of the cluster is in progress (Forbid blocks it for good) or
// an older run has not finished: runs of a cluster start one at a time, oldest first. The run waited for is the
// one in progress, else the oldest waiting, whatever order the cache lists them in: a message that changed with
// that order would be written again at every pass of every queued run.
func concurrencyStep(run *v1.MigrationRun, policy v1.ConcurrencyPolicy, others []v1.MigrationRun) (runStep, bool) {
	var active, oldest *v1.MigrationRun
	for i := range others {
		o := &others[i]
		switch {
		case ended(&o.Status):
		case o.Status.PodName != "" || o.Status.BackupName != "":
			if active == nil || olderThan(o, active) {
				active = o
			}
		case olderThan(o, run) && (oldest == nil || olderThan(o, oldest)):
			oldest = o
		}
	}
	switch {
	case active != nil && policy == v1.ConcurrencyForbid:
		return runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonRunInProgress, Final: true,
			Message: "run " + active.Name + " was in progress when this one arrived (concurrencyPolicy Forbid)"}, true
	case active != nil:
		return waitsFor(active), true
	case oldest != nil:
		return waitsFor(oldest), true
	}
	return runStep{}, false
}

func waitsFor(o *v1.MigrationRun) runStep {
	return runStep{Phase: v1.MigrationPending, Reason: v1.ReasonRunInProgress, Message: "waits for run " + o.Name}
}

// clusterStep checks the cluster: ONLINE with every member ONLINE, applier queues short.
func clusterStep(hook *v1.MigrationHook, c *v1.InnoDBCluster) runStep {
	want := int32(3)
	if c != nil && c.Spec.Instances > 0 {
		want = c.Spec.Instances
	}
	switch {
	case c == nil:
		return runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonClusterNotOnline,
			Message: "InnoDBCluster " + hook.Spec.ClusterName + " does not exist"}
	case c.Annotations[v1.AnnotationRestoreFence] != "":
		return runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonClusterNotOnline,
			Message: "MySQLRestore " + c.Annotations[v1.AnnotationRestoreFence] + " replaces the cluster's data"}
	case c.Status.ClusterState != v1.ClusterStateOnline || c.Status.OnlineInstances < want:
		return runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonClusterNotOnline,
			Message: "the cluster is " + string(c.Status.ClusterState) + " and not every member is ONLINE"}
	}
	return queueStep(hook, &c.Status)
}

// queueStep checks the queues the cluster loop last observed: flow control throttling, then the applier lag.
func queueStep(hook *v1.MigrationHook, s *v1.InnoDBClusterStatus) runStep {
	limit := ptr.Deref(hook.Spec.MaxApplierQueue, defaultMaxApplierQueue)
	switch {
	case s.MaxCertifierQueue >= flowControlThreshold || s.MaxApplierQueue >= flowControlThreshold:
		return runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonFlowControlActive, Message: fmt.Sprintf(
			"flow control throttles the group: a member's certifier queue is %d and applier queue %d transactions "+
				"(threshold %d)", s.MaxCertifierQueue, s.MaxApplierQueue, flowControlThreshold)}
	case s.MaxApplierQueue > limit:
		return runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonApplierQueueHigh, Message: fmt.Sprintf(
			"a secondary's applier queue is %d transactions, over the hook's maxApplierQueue %d", s.MaxApplierQueue,
			limit)}
	}
	return runStep{Phase: v1.MigrationRunning, CreatePod: true}
}

// olderThan orders runs by creation, then name.
func olderThan(a, b *v1.MigrationRun) bool {
	ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.Name < b.Name
}

// newerRunWaiting reports whether a newer run of the cluster waits to start (Replace keeps only the newest).
func newerRunWaiting(run *v1.MigrationRun, others []v1.MigrationRun) bool {
	for i := range others {
		o := &others[i].Status
		if !ended(o) && o.PodName == "" && o.BackupName == "" && olderThan(run, &others[i]) {
			return true
		}
	}
	return false
}
