package controllers

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
			runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonFlowControl}},
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
			runStep{Phase: v1.MigrationBlocked, Reason: v1.ReasonRunInProgress}},
		{"replaced by a newer run", runObservation{Run: &run, Hook: hook(func(s *v1.MigrationHookSpec) {
			s.ConcurrencyPolicy = v1.ConcurrencyReplace
		}), Cluster: online, Others: []v1.MigrationRun{active, newer}},
			runStep{Phase: v1.MigrationFailed, Reason: v1.ReasonSuperseded}},
	}
	for _, c := range cases {
		got := planRun(c.obs)
		if got.Phase != c.want.Phase || got.Reason != c.want.Reason || got.CreatePod != c.want.CreatePod {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
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
