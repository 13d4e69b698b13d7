package simworld

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/podcond"
)

// kwokPod is a member pod as kwok's pod-ready stage leaves it: Running, the probed mysql container running but
// neither started nor ready, a readiness gate set by the operator.
func kwokPod(gate corev1.ConditionStatus) *corev1.Pod {
	start := metav1.NewTime(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	f := false
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "mycluster-0", Namespace: "default", UID: "pod-1"},
		Spec: corev1.PodSpec{
			ReadinessGates: []corev1.PodReadinessGate{{ConditionType: "mysql.orca.dev/member-online"}},
			Containers:     []corev1.Container{{Name: mysqlContainer, Image: "mysql:8.4.3"}},
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: podcond.ReasonContainersNotReady},
				{Type: corev1.ContainersReady, Status: corev1.ConditionFalse, Reason: podcond.ReasonContainersNotReady},
				{Type: "mysql.orca.dev/member-online", Status: gate},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: mysqlContainer, Image: "mysql:8.4.3",
				Started: &f, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: start}}}},
		},
	}
}

// A crash, the back-off and the restart, as the kubelet shows them.
func TestContainerCrashAndRestart(t *testing.T) {
	pod := kwokPod(corev1.ConditionTrue)
	t0 := pod.Status.ContainerStatuses[0].State.Running.StartedAt.Time
	delay := time.Second
	m := &mysqlsim.Member{}
	boot1, boot2 := mysqldRun{sim: m, incarnation: 1}, mysqldRun{sim: m, incarnation: 2}

	c := newContainerRun(pod, false, t0)
	c = c.observe(mysqldFacts{}, t0)
	s := c.status(pod.Status.ContainerStatuses[0], pod, t0, delay)
	if s.Ready || *s.Started || s.State.Running == nil {
		t.Fatalf("before mysqld boots: %+v", s)
	}

	c = c.observe(mysqldFacts{Starts: 1, Run: boot1}, t0)
	s = c.status(pod.Status.ContainerStatuses[0], pod, t0, delay)
	if !s.Ready || !*s.Started || s.RestartCount != 0 || !s.State.Running.StartedAt.Time.Equal(t0) {
		t.Fatalf("after the first boot: %+v, want kwok's startedAt, ready", s)
	}

	crash := t0.Add(10 * time.Second)
	c = c.observe(mysqldFacts{Starts: 1, Cause: exitKilled}, crash)
	s = c.status(s, pod, crash, delay)
	term := s.State.Terminated
	if term == nil || term.ExitCode != 137 || term.Reason != "Error" || !term.FinishedAt.Time.Equal(crash) ||
		!term.StartedAt.Time.Equal(t0) || s.Ready || *s.Started || s.RestartCount != 0 {
		t.Fatalf("after the crash: %+v", s)
	}
	if got := c.nextChange(crash, delay); got != delay/2 {
		t.Fatalf("back-off shows in %s, want %s", got, delay/2)
	}

	s = c.status(s, pod, crash.Add(delay/2), delay)
	if w := s.State.Waiting; w == nil || w.Reason != "CrashLoopBackOff" ||
		s.LastTerminationState.Terminated == nil || s.LastTerminationState.Terminated.ExitCode != 137 {
		t.Fatalf("during the back-off: %+v", s)
	}

	restart := crash.Add(delay)
	c = c.observe(mysqldFacts{Starts: 2, Run: boot2}, restart)
	s = c.status(s, pod, restart, delay)
	if s.RestartCount != 1 || s.State.Running == nil || !s.State.Running.StartedAt.Time.Equal(restart) ||
		!s.Ready || !*s.Started || s.LastTerminationState.Terminated == nil ||
		s.LastTerminationState.Terminated.ExitCode != 137 || s.ContainerID == c.Last.ID {
		t.Fatalf("after the restart: %+v", s)
	}
}

func TestContainerTransitions(t *testing.T) {
	m := &mysqlsim.Member{}
	boot := func(i int) mysqldRun { return mysqldRun{sim: m, incarnation: i} }
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	running := containerRun{PodUID: "pod-1", Starts: 1, Mysqld: boot(1), Ready: true, StartedAt: t0}
	down := running.exited(exitKilled, t0.Add(time.Second))
	for _, tc := range []struct {
		name         string
		c            containerRun
		f            mysqldFacts
		exit         int32 // -1: running
		restarts     int32
		ready, kills bool
	}{
		{"clean shutdown", running, mysqldFacts{Starts: 1, Cause: exitClean}, 0, 0, false, false},
		{"boot failed at the first start", containerRun{PodUID: "pod-1"},
			mysqldFacts{Starts: 1, Cause: exitBootFailed}, 1, 0, false, false},
		{"restart failed after an exit", down, mysqldFacts{Starts: 2, Cause: exitBootFailed}, 1, 1, false, true},
		{"a test restarted the crashed member itself", down, mysqldFacts{Starts: 1, Run: boot(2)}, -1, 1, true, true},
		{"restarted under our eyes: killed and started at once", running, mysqldFacts{Starts: 1, Run: boot(2)},
			-1, 1, true, true},
		{"still up", running, mysqldFacts{Starts: 1, Run: boot(1)}, -1, 0, true, false},
		{"still down", down, mysqldFacts{Starts: 1}, 137, 0, false, false},
		{"supervised: mysqld down, container running", containerRun{PodUID: "pod-1", Supervised: true, Starts: 1,
			Mysqld: boot(1), Ready: true}, mysqldFacts{Starts: 1}, -1, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.c.observe(tc.f, t0.Add(2*time.Second))
			exit := int32(-1)
			if got.Exit != nil {
				exit, _ = got.Exit.Cause.terminated()
			}
			if exit != tc.exit || got.RestartCount != tc.restarts || got.Ready != tc.ready {
				t.Fatalf("exit %d restarts %d ready %v; want %d %d %v", exit, got.RestartCount, got.Ready, tc.exit,
					tc.restarts, tc.ready)
			}
			if killed := got.Last != nil && got.Last.Cause == exitKilled; killed != tc.kills {
				t.Fatalf("lastState %+v, want a kill there: %v", got.Last, tc.kills)
			}
		})
	}
}

func TestReadyConditions(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	up := containerRun{PodUID: "pod-1", Starts: 1, Mysqld: mysqldRun{incarnation: 1}, Ready: true, StartedAt: now}
	for _, tc := range []struct {
		name         string
		gate         corev1.ConditionStatus
		c            containerRun
		ready, ctrs  corev1.ConditionStatus
		readyReason  string
		readyMessage string
	}{
		{"up, gate open", corev1.ConditionTrue, up, corev1.ConditionTrue, corev1.ConditionTrue, "", ""},
		{"up, gate closed", corev1.ConditionFalse, up, corev1.ConditionFalse, corev1.ConditionTrue,
			podcond.ReasonReadinessGatesNotReady,
			`the status of pod readiness gate "mysql.orca.dev/member-online" is not "True", but False`},
		{"down, gate open", corev1.ConditionTrue, up.exited(exitKilled, now), corev1.ConditionFalse,
			corev1.ConditionFalse, podcond.ReasonContainersNotReady, "containers with unready status: [mysql]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := kwokPod(tc.gate)
			want, changed := withContainer(pod, tc.c, now, time.Second)
			if !changed {
				t.Fatal("no change from kwok's status")
			}
			ready := podcond.Find(want.Status.Conditions, corev1.PodReady)
			ctrs := podcond.Find(want.Status.Conditions, corev1.ContainersReady)
			if ready.Status != tc.ready || ctrs.Status != tc.ctrs || ready.Reason != tc.readyReason ||
				ready.Message != tc.readyMessage {
				t.Fatalf("Ready %+v ContainersReady %+v", ready, ctrs)
			}
			if _, again := withContainer(want, tc.c, now.Add(time.Millisecond), time.Second); again {
				t.Fatal("rendering the same container twice changes the status again")
			}
		})
	}
}

func TestExitFromLog(t *testing.T) {
	ready := mysqlsim.LogEntry{ErrorCode: logReadyForConnections}
	for _, tc := range []struct {
		name string
		log  []mysqlsim.LogEntry
		want exitCause
	}{
		{"nothing logged: killed", []mysqlsim.LogEntry{ready}, exitKilled},
		{"clone end without a supervisor", []mysqlsim.LogEntry{ready, {ErrorCode: logCloneEnd}}, exitClean},
		{"ABORT_SERVER", []mysqlsim.LogEntry{ready, {ErrorCode: logExitStateAction,
			Data: "... The server will now abort as instructed by the group_replication_exit_state_action option."}},
			exitClean},
		{"READ_ONLY exit action is no exit", []mysqlsim.LogEntry{ready, {ErrorCode: logExitStateAction,
			Data: "The server was automatically set into read only mode after an error was detected."}}, exitKilled},
		{"shutdown complete", []mysqlsim.LogEntry{ready, {ErrorCode: logShutdownComplete}}, exitClean},
		{"boot failed after a clean stop", []mysqlsim.LogEntry{ready, {ErrorCode: logShutdownComplete},
			{ErrorCode: logAborting}}, exitBootFailed},
		{"an old clone does not count", []mysqlsim.LogEntry{{ErrorCode: logCloneEnd}, ready}, exitKilled},
	} {
		if got := exitFromLog(tc.log); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
