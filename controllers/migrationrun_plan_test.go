package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func planCluster(state v1.ClusterState, online int32, queue int64) *v1.InnoDBCluster {
	c := &v1.InnoDBCluster{Spec: v1.InnoDBClusterSpec{Instances: 3}}
	c.Status.ClusterState, c.Status.OnlineInstances, c.Status.MaxApplierQueue = state, online, queue
	return c
}

func planRunAt(name string, at int, phase v1.MigrationPhase, pod string) v1.MigrationRun {
	r := v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Name: name,
		CreationTimestamp: metav1.NewTime(time.Unix(int64(1000+at), 0))}}
	r.Status.Phase, r.Status.PodName = phase, pod
	return r
}

func TestPlanRun(t *testing.T) {
	online := planCluster(v1.ClusterStateOnline, 3, 0)
	hook := func(f func(*v1.MigrationHookSpec)) *v1.MigrationHook {
		h := &v1.MigrationHook{Spec: v1.MigrationHookSpec{ClusterName: "db", ConcurrencyPolicy: v1.ConcurrencyQueue}}
		if f != nil {
			f(&h.Spec)
		}
		return h
	}
	run := planRunAt("r2", 2, "", "")
	older := planRunAt("r1", 1, v1.MigrationPending, "")
	active := planRunAt("r0", 0, v1.MigrationRunning, "r0")
	newer := planRunAt("r3", 3, v1.MigrationPending, "")
	cases := []struct {
		name string
		obs  runObservation
		want runStep
	}{
		{"ready", runObservation{Run: &run, Hook: hook(nil), Cluster: online},
			runStep{Phase: v1.MigrationRunning, CreatePod: true}},
		{"hook gone", runObservation{Run: &run, Cluster: online},
			runStep{Phase: v1.MigrationFailed, Reason: v1.ReasonHookMissing}},
		{"no cluster", runObservation{Run: &run, Hook: hook(nil)},
			runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonClusterNotOnline}},
		{"a member down", runObservation{Run: &run, Hook: hook(nil), Cluster: planCluster(v1.ClusterStateOnlinePartial, 2, 0)},
			runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonClusterNotOnline}},
		{"applier queue", runObservation{Run: &run, Hook: hook(nil), Cluster: planCluster(v1.ClusterStateOnline, 3, 101)},
			runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonApplierQueueHigh}},
		{"backup asked", runObservation{Run: &run, Hook: hook(func(s *v1.MigrationHookSpec) { s.PreMigrationBackup = true }),
			Cluster: online}, runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonBackupUnavailable}},
		{"approval", runObservation{Run: &run, Hook: hook(func(s *v1.MigrationHookSpec) { s.RequireApproval = true }),
			Cluster: online}, runStep{Phase: v1.MigrationAwaitingApproval}},
		{"queue behind an active run", runObservation{Run: &run, Hook: hook(nil), Cluster: online,
			Others: []v1.MigrationRun{active}}, runStep{Phase: v1.MigrationPending, Reason: v1.ReasonRunInProgress}},
		{"queue behind an older run", runObservation{Run: &run, Hook: hook(nil), Cluster: online,
			Others: []v1.MigrationRun{older, newer}}, runStep{Phase: v1.MigrationPending, Reason: v1.ReasonRunInProgress}},
		{"newer runs wait for this one", runObservation{Run: &run, Hook: hook(nil), Cluster: online,
			Others: []v1.MigrationRun{newer}}, runStep{Phase: v1.MigrationRunning, CreatePod: true}},
		{"forbid", runObservation{Run: &run, Hook: hook(func(s *v1.MigrationHookSpec) {
			s.ConcurrencyPolicy = v1.ConcurrencyForbid
		}), Cluster: online, Others: []v1.MigrationRun{active}},
			runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonRunInProgress, Final: true}},
		{"replaced by a newer run", runObservation{Run: &run, Hook: hook(func(s *v1.MigrationHookSpec) {
			s.ConcurrencyPolicy = v1.ConcurrencyReplace
		}), Cluster: online, Others: []v1.MigrationRun{active, newer}},
			runStep{Phase: v1.MigrationFailed, Reason: v1.ReasonSuperseded}},
	}
	for _, c := range cases {
		got := planRun(c.obs)
		if got.Phase != c.want.Phase || got.Reason != c.want.Reason || got.CreatePod != c.want.CreatePod ||
			got.Final != c.want.Final {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func planPreBackup(name string, phase v1.BackupPhase) *v1.MySQLBackup {
	b := &v1.MySQLBackup{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1.MySQLBackupSpec{ClusterName: "db"}}
	b.Status.Phase, b.Status.GTIDSet, b.Status.Message = phase, "uuid:1-42", "dump: connection refused"
	return b
}

// TestPlanRunPreMigrationBackup: the backup is the last step before the Pod, taken with the cluster's profile;
// the run waits for it, fails with it, and starts with its GTID set once it succeeded.
func TestPlanRunPreMigrationBackup(t *testing.T) {
	profiles := []v1.BackupProfile{{Name: "daily"}, {Name: "s3-eu"}}
	cluster := planCluster(v1.ClusterStateOnline, 3, 0)
	cluster.Spec.BackupProfiles = profiles
	hook := &v1.MigrationHook{Spec: v1.MigrationHookSpec{ClusterName: "db", PreMigrationBackup: true,
		ConcurrencyPolicy: v1.ConcurrencyQueue}}
	fresh := planRunAt("r1", 1, v1.MigrationPending, "")
	backingUp := planRunAt("r1", 1, v1.MigrationBackingUp, "")
	backingUp.Status.BackupName = "r1-pre"

	step := planRun(runObservation{Run: &fresh, Hook: hook, Cluster: cluster})
	if !step.CreateBackup || step.Phase != v1.MigrationBackingUp || step.BackupName != "r1-pre" ||
		step.Profile.Name != "daily" || step.CreatePod {
		t.Fatalf("first step: %+v", step)
	}
	named := hook.DeepCopy()
	named.Spec.PreMigrationBackupProfile = "s3-eu"
	if step := planRun(runObservation{Run: &fresh, Hook: named, Cluster: cluster}); step.Profile.Name != "s3-eu" {
		t.Fatalf("named profile: %+v", step)
	}
	named.Spec.PreMigrationBackupProfile = "gone"
	if step := planRun(runObservation{Run: &fresh, Hook: named, Cluster: cluster}); step.Reason !=
		v1.ReasonBackupUnavailable || step.CreateBackup || !contains(step.Message, "gone") {
		t.Fatalf("missing profile: %+v", step)
	}
	other := planPreBackup("nightly", v1.BackupRunning)
	if step := planRun(runObservation{Run: &fresh, Hook: hook, Cluster: cluster,
		Backups: []v1.MySQLBackup{*other}}); step.Reason != v1.ReasonBackupInProgress || step.CreateBackup {
		t.Fatalf("another backup runs: %+v", step)
	}
	cases := []struct {
		name   string
		backup *v1.MySQLBackup
		want   runStep
	}{
		{"running", planPreBackup("r1-pre", v1.BackupRunning), runStep{Phase: v1.MigrationBackingUp}},
		{"failed", planPreBackup("r1-pre", v1.BackupFailed), runStep{Phase: v1.MigrationFailed,
			Reason: v1.ReasonBackupFailed}},
		{"gone", nil, runStep{Phase: v1.MigrationFailed, Reason: v1.ReasonBackupFailed}},
		{"succeeded", planPreBackup("r1-pre", v1.BackupSucceeded), runStep{Phase: v1.MigrationRunning, CreatePod: true,
			BackupGTID: "uuid:1-42"}},
	}
	for _, c := range cases {
		// A cluster that stopped being ONLINE does not interrupt a backup in flight.
		cl := cluster
		if c.name == "running" {
			cl = planCluster(v1.ClusterStateOnlinePartial, 2, 0)
		}
		got := planRun(runObservation{Run: &backingUp, Hook: hook, Cluster: cl, Backup: c.backup})
		if got.Phase != c.want.Phase || got.Reason != c.want.Reason || got.CreatePod != c.want.CreatePod ||
			got.BackupGTID != c.want.BackupGTID || got.CreateBackup {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	// A run backing up counts as in progress: a later run under Forbid is blocked for good.
	forbid := hook.DeepCopy()
	forbid.Spec.ConcurrencyPolicy = v1.ConcurrencyForbid
	late := planRunAt("r2", 2, "", "")
	if step := planRun(runObservation{Run: &late, Hook: forbid, Cluster: cluster,
		Others: []v1.MigrationRun{backingUp}}); step.Reason != v1.ReasonRunInProgress || !step.Final {
		t.Fatalf("forbid behind a backup: %+v", step)
	}
}

// TestPlanRunBlockedForGoodHoldsNobody: a run blocked for good (Forbid, or the runner's prechecks) is over: the
// next run of the cluster does not wait for it, and it is pruned as a failure.
func TestPlanRunBlockedForGoodHoldsNobody(t *testing.T) {
	now := metav1.Now()
	blocked := planRunAt("r1", 1, v1.MigrationBlocked, "r1")
	blocked.Status.Reason, blocked.Status.CompletionTime = v1.ReasonMissingPrimaryKey, &now
	run := planRunAt("r2", 2, "", "")
	hook := &v1.MigrationHook{Spec: v1.MigrationHookSpec{ClusterName: "db", ConcurrencyPolicy: v1.ConcurrencyQueue}}
	step := planRun(runObservation{Run: &run, Hook: hook, Cluster: planCluster(v1.ClusterStateOnline, 3, 0),
		Others: []v1.MigrationRun{blocked}})
	if !step.CreatePod {
		t.Fatalf("the next run waits for one blocked for good: %+v", step)
	}
	if step := planRun(runObservation{Run: &blocked, Hook: hook}); !step.Final || step.CreatePod {
		t.Fatalf("the blocked run moves: %+v", step)
	}
	failed := planRunAt("f1", 0, v1.MigrationFailed, "p")
	if got := runsToPrune([]v1.MigrationRun{failed, blocked}, 10, 1); len(got) != 1 || got[0] != "f1" {
		t.Fatalf("pruned %v, want the older failure f1", got)
	}
}

func TestRunsToPrune(t *testing.T) {
	var runs []v1.MigrationRun
	for i := range 5 {
		runs = append(runs, planRunAt("s"+string(rune('0'+i)), i, v1.MigrationSucceeded, "p"))
	}
	runs = append(runs, planRunAt("f0", 10, v1.MigrationFailed, "p"), planRunAt("live", 11, v1.MigrationRunning, "p"))
	got := runsToPrune(runs, 2, 1)
	if len(got) != 3 || got[0] != "s2" || got[2] != "s0" {
		t.Fatalf("pruned %v, want s2 s1 s0", got)
	}
}

// TestPlanRunWaitsForTheSameRunInAnyOrder: a queued run names the run in progress, else the oldest waiting one,
// whatever order the others are listed in (a message following the cache's order was rewritten at every pass).
func TestPlanRunWaitsForTheSameRunInAnyOrder(t *testing.T) {
	h := &v1.MigrationHook{Spec: v1.MigrationHookSpec{ConcurrencyPolicy: v1.ConcurrencyQueue}}
	run := planRunAt("r9", 9, "", "")
	waiting := []v1.MigrationRun{planRunAt("r3", 3, v1.MigrationPending, ""), planRunAt("r1", 1, v1.MigrationPending, ""),
		planRunAt("r2", 2, v1.MigrationPending, ""), planRunAt("r0", 0, v1.MigrationSucceeded, "r0")}
	active := append([]v1.MigrationRun{planRunAt("r5", 5, v1.MigrationRunning, "r5")}, waiting...)
	for _, c := range []struct {
		others []v1.MigrationRun
		want   string
	}{{waiting, "waits for run r1"}, {active, "waits for run r5"}} {
		for i := range len(c.others) {
			rotated := append(append([]v1.MigrationRun(nil), c.others[i:]...), c.others[:i]...)
			step := planRun(runObservation{Run: &run, Hook: h, Cluster: planCluster(v1.ClusterStateOnline, 3, 0),
				Others: rotated})
			if step.Message != c.want {
				t.Errorf("others from %s: %q, want %q", rotated[0].Name, step.Message, c.want)
			}
		}
	}
}

// TestPlanRunQueues: the queues the cluster loop observed block a run: flow control throttling (a certifier or
// applier queue at Group Replication's threshold) first, then an applier queue over the hook's maxApplierQueue.
func TestPlanRunQueues(t *testing.T) {
	withLimit := func(n int64) *v1.MigrationHook {
		return &v1.MigrationHook{Spec: v1.MigrationHookSpec{ConcurrencyPolicy: v1.ConcurrencyQueue, MaxApplierQueue: &n}}
	}
	queues := func(applier, certifier int64) *v1.InnoDBCluster {
		c := planCluster(v1.ClusterStateOnline, 3, applier)
		c.Status.MaxCertifierQueue = certifier
		return c
	}
	run := planRunAt("r1", 1, "", "")
	for _, c := range []struct {
		name    string
		hook    *v1.MigrationHook
		cluster *v1.InnoDBCluster
		want    v1.MigrationReason
	}{
		{"quiet", withLimit(100), queues(0, 0), ""},
		{"default limit", &v1.MigrationHook{}, queues(101, 0), v1.ReasonApplierQueueHigh},
		{"default limit reached", &v1.MigrationHook{}, queues(100, 0), ""},
		{"hook's limit", withLimit(10), queues(11, 0), v1.ReasonApplierQueueHigh},
		{"under the hook's limit", withLimit(5000), queues(4000, 24999), ""},
		{"certifier at the threshold", withLimit(5000), queues(0, 25000), v1.ReasonFlowControlActive},
		{"applier at the threshold", withLimit(100000), queues(25000, 0), v1.ReasonFlowControlActive},
	} {
		step := planRun(runObservation{Run: &run, Hook: c.hook, Cluster: c.cluster})
		if step.Reason != c.want || (c.want == "") != step.CreatePod {
			t.Errorf("%s: %s %s (%s), want %q", c.name, step.Phase, step.Reason, step.Message, c.want)
		}
	}
}

// TestQueueChanges: only a change that holds or frees a cluster's queue plans the cluster's other runs again.
func TestQueueChanges(t *testing.T) {
	pending := planRunAt("r1", 1, v1.MigrationPending, "")
	pending.Status.Message = "waits for run r0"
	requeued := pending
	requeued.Status.Message = "waits for run r5"
	started := planRunAt("r1", 1, v1.MigrationRunning, "r1-pod")
	done := started
	done.Status.Phase = v1.MigrationSucceeded
	blocked := planRunAt("r1", 1, v1.MigrationBlocked, "")
	forGood := blocked
	forGood.Status.CompletionTime = &metav1.Time{Time: time.Unix(2000, 0)}
	changes := (&MigrationRunReconciler{}).queueChanges()
	for _, c := range []struct {
		name          string
		before, after v1.MigrationRun
		want          bool
	}{
		{"message only", pending, requeued, false},
		{"blocked for now", pending, blocked, false},
		{"pod started", pending, started, true},
		{"ended", started, done, true},
		{"blocked for good", blocked, forGood, true},
	} {
		if got := changes.Update(event.UpdateEvent{ObjectOld: &c.before, ObjectNew: &c.after}); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestWithoutRun: the run planned is left out of the others, every other run stays, whatever its place.
func TestWithoutRun(t *testing.T) {
	names := func(runs []v1.MigrationRun) map[string]bool {
		out := map[string]bool{}
		for _, r := range runs {
			out[r.Name] = true
		}
		return out
	}
	for _, self := range []string{"r0", "r1", "r2", "absent"} {
		runs := []v1.MigrationRun{planRunAt("r0", 0, "", ""), planRunAt("r1", 1, "", ""), planRunAt("r2", 2, "", "")}
		others := withoutRun(runs, self)
		got := names(others)
		want := map[string]bool{"r0": true, "r1": true, "r2": true}
		delete(want, self)
		if len(others) != len(want) || len(got) != len(want) || got["r0"] != want["r0"] || got["r1"] != want["r1"] || got["r2"] != want["r2"] {
			t.Errorf("withoutRun(r0 r1 r2, %s) = %v, want %v", self, got, want)
		}
	}
}
