package simworld

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/podcond"
)

// The mysql container's status says what its mysqld does, as a kubelet would: a crash terminates it (137), the
// back-off shows, the restart counts; a SHUTDOWN exits 0; ready and the pod's Ready condition follow; deleting
// the pod still works; and each pod's IP comes from its own node's pod range.
func TestContainerStatusFollowsMysqld(t *testing.T) {
	// Simulated time 100 times faster than real time, as in test/e2e: the member rejoins in about a second.
	e := startEnvWith(t, mysqlsim.Config{Second: 10 * time.Millisecond})
	c := e.createCluster(t, "default", "kubelet", 3, 3000)
	members := make([]*mysqlsim.Member, 3)
	for i := range members {
		members[i] = e.runningMember(t, c, i, 90*time.Second)
	}
	for i := range members {
		e.waitContainer(t, c, i, 30*time.Second, "running and ready after the first boot", expectRunning(0))
	}
	t.Run("pod IPs from their node's range", func(t *testing.T) { e.checkPodNetworks(t, c) })
	if !t.Run("crash: terminated, back-off, restart", func(t *testing.T) {
		e.checkExitAndRestart(t, c, 1, func() { members[1].Crash() }, 137, "Error", 1)
	}) {
		t.FailNow()
	}
	if !t.Run("SHUTDOWN: exit code 0, restart", func(t *testing.T) {
		e.checkExitAndRestart(t, c, 1, func() {
			// Through the control API, which calls World.Shutdown.
			rec := httptest.NewRecorder()
			path := fmt.Sprintf("/clusters/%s/%s/members/%s/shutdown", c.Namespace, c.Name, specs.PodName(c, 1))
			e.World.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
			}
		}, 0, "Completed", 2)
	}) {
		t.FailNow()
	}
	t.Run("Ready follows the container and the readiness gate", func(t *testing.T) {
		e.waitPodReady(t, c, 1, 90*time.Second)
	})
	t.Run("deleted pod: its successor starts afresh", func(t *testing.T) {
		var old corev1.Pod
		key := client.ObjectKey{Namespace: c.Namespace, Name: specs.PodName(c, 2)}
		if err := e.Client.Get(context.Background(), key, &old); err != nil {
			t.Fatal(err)
		}
		incarnation := members[2].Incarnation()
		e.deletePod(t, c, 2)
		e.waitContainer(t, c, 2, 60*time.Second, "the successor's container running and ready",
			func(p *corev1.Pod, s *corev1.ContainerStatus) error {
				if p.UID == old.UID {
					return fmt.Errorf("pod %s not replaced yet", p.Name)
				}
				// The old pod's mysqld never answers for the successor's running container.
				if s.State.Running != nil && members[2].Up() && members[2].Incarnation() == incarnation {
					t.Fatalf("the successor's container runs while the old pod's mysqld (incarnation %d) still does",
						incarnation)
				}
				return expectRunning(0)(p, s)
			})
	})
}

// expectRunning checks for a running, started, ready mysql container restarted restarts times, and
// ContainersReady.
func expectRunning(restarts int32) func(*corev1.Pod, *corev1.ContainerStatus) error {
	return func(p *corev1.Pod, s *corev1.ContainerStatus) error {
		switch {
		case s.State.Running == nil || s.State.Running.StartedAt.IsZero():
			return fmt.Errorf("state %s", stateName(s.State))
		case !s.Ready || s.Started == nil || !*s.Started:
			return fmt.Errorf("running, ready %v started %v", s.Ready, s.Started)
		case s.RestartCount != restarts:
			return fmt.Errorf("restartCount %d, want %d", s.RestartCount, restarts)
		case condStatus(p, corev1.ContainersReady) != corev1.ConditionTrue:
			return fmt.Errorf("ContainersReady %s", condStatus(p, corev1.ContainersReady))
		}
		return nil
	}
}

func condStatus(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	if c := podcond.Find(p.Status.Conditions, t); c != nil {
		return c.Status
	}
	return ""
}

// waitContainer polls the pod every 20 ms until check accepts it and its mysql container.
func (e *env) waitContainer(t *testing.T, c *v1.InnoDBCluster, ordinal int, timeout time.Duration, what string,
	check func(*corev1.Pod, *corev1.ContainerStatus) error) *corev1.Pod {
	t.Helper()
	key := client.ObjectKey{Namespace: c.Namespace, Name: specs.PodName(c, ordinal)}
	deadline := time.Now().Add(timeout)
	for {
		var p corev1.Pod
		err := e.Client.Get(context.Background(), key, &p)
		if err == nil {
			if s := findContainerStatus(p.Status.ContainerStatuses, mysqlContainer); s == nil {
				err = fmt.Errorf("no %s container status", mysqlContainer)
			} else if err = check(&p, s); err == nil {
				return &p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s: %s: not reached within %s: %v", key.Name, what, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkExitAndRestart stops the member with stop and follows its container: terminated with the exit code,
// not ready, the pod not Ready; then the back-off (waiting, CrashLoopBackOff, lastState the exit); then running
// again with restartCount restarts, a new startedAt and container id, ready.
func (e *env) checkExitAndRestart(t *testing.T, c *v1.InnoDBCluster, ordinal int, stop func(), code int32,
	reason string, restarts int32) {
	before := e.waitContainer(t, c, ordinal, 10*time.Second, "running before the exit", expectRunning(restarts-1))
	was := *findContainerStatus(before.Status.ContainerStatuses, mysqlContainer)
	stopped := time.Now()
	stop()
	exited := func(term *corev1.ContainerStateTerminated) error {
		if term == nil || term.ExitCode != code || term.Reason != reason {
			return fmt.Errorf("terminated %+v, want exit code %d (%s)", term, code, reason)
		}
		if !term.StartedAt.Equal(&was.State.Running.StartedAt) || term.ContainerID != was.ContainerID {
			return fmt.Errorf("terminated %+v is not the container that ran (%s)", term, was.ContainerID)
		}
		return nil
	}
	e.waitContainer(t, c, ordinal, 2*time.Second, "terminated", func(p *corev1.Pod, s *corev1.ContainerStatus) error {
		if err := exited(s.State.Terminated); err != nil {
			return err
		}
		if s.Ready || (s.Started != nil && *s.Started) || condStatus(p, corev1.ContainersReady) != corev1.ConditionFalse ||
			condStatus(p, corev1.PodReady) != corev1.ConditionFalse {
			return fmt.Errorf("ready %v started %v, ContainersReady %s, Ready %s", s.Ready, s.Started,
				condStatus(p, corev1.ContainersReady), condStatus(p, corev1.PodReady))
		}
		return nil
	})
	if took := time.Since(stopped); took > 500*time.Millisecond {
		t.Errorf("the exit showed after %s", took)
	}
	e.waitContainer(t, c, ordinal, 2*time.Second, "back-off", func(p *corev1.Pod, s *corev1.ContainerStatus) error {
		if w := s.State.Waiting; w == nil || w.Reason != "CrashLoopBackOff" {
			return fmt.Errorf("state %s", stateName(s.State))
		}
		if s.Ready || condStatus(p, corev1.PodReady) != corev1.ConditionFalse {
			return fmt.Errorf("ready %v, Ready %s during the back-off", s.Ready, condStatus(p, corev1.PodReady))
		}
		return exited(s.LastTerminationState.Terminated)
	})
	after := e.waitContainer(t, c, ordinal, 5*time.Second, "restarted", func(p *corev1.Pod,
		s *corev1.ContainerStatus) error {
		if err := expectRunning(restarts)(p, s); err != nil {
			return err
		}
		return exited(s.LastTerminationState.Terminated)
	})
	now := *findContainerStatus(after.Status.ContainerStatuses, mysqlContainer)
	if !now.State.Running.StartedAt.After(was.State.Running.StartedAt.Time) || now.ContainerID == was.ContainerID {
		t.Errorf("restarted container started %s (%s), the one before %s (%s)", now.State.Running.StartedAt,
			now.ContainerID, was.State.Running.StartedAt, was.ContainerID)
	}
	if took := time.Since(stopped); took < 900*time.Millisecond {
		t.Errorf("restarted after %s, before the 1s restart delay", took)
	}
}

// waitPodReady waits until the operator has the member ONLINE again and opened its readiness gate: the pod is
// Ready, which it may only be with its container ready and the gate True.
func (e *env) waitPodReady(t *testing.T, c *v1.InnoDBCluster, ordinal int, timeout time.Duration) {
	t.Helper()
	p := e.waitContainer(t, c, ordinal, timeout, "pod Ready", func(p *corev1.Pod, s *corev1.ContainerStatus) error {
		if ready := condStatus(p, corev1.PodReady); ready != corev1.ConditionTrue {
			return fmt.Errorf("Ready %s (gate %s, container ready %v)", ready,
				condStatus(p, specs.ReadinessGateOnline), s.Ready)
		}
		return nil
	})
	s := findContainerStatus(p.Status.ContainerStatuses, mysqlContainer)
	if gate := condStatus(p, specs.ReadinessGateOnline); gate != corev1.ConditionTrue || !s.Ready {
		t.Fatalf("pod Ready with gate %s and container ready %v", gate, s.Ready)
	}
}

// checkPodNetworks checks that the world knows each member's pod IP and node range, that the IP lies in the
// range, and that pods on different nodes have different ranges.
func (e *env) checkPodNetworks(t *testing.T, c *v1.InnoDBCluster) {
	ranges := map[string]netip.Prefix{}
	for i := range c.Spec.Instances {
		name := specs.PodName(c, int(i))
		var p corev1.Pod
		if err := e.Client.Get(context.Background(), client.ObjectKey{Namespace: c.Namespace, Name: name}, &p); err != nil {
			t.Fatal(err)
		}
		var node corev1.Node
		if err := e.Client.Get(context.Background(), types.NamespacedName{Name: p.Spec.NodeName}, &node); err != nil {
			t.Fatal(err)
		}
		n, ok := e.World.PodNetwork(c.Namespace, name)
		if !ok || n.PodIP.String() != p.Status.PodIP || n.Node != p.Spec.NodeName ||
			n.NodePodCIDR.String() != node.Spec.PodCIDR || !n.NodePodCIDR.Contains(n.PodIP) {
			t.Fatalf("pod %s on %s (podCIDR %s) with IP %s: world says %+v", name, node.Name, node.Spec.PodCIDR,
				p.Status.PodIP, n)
		}
		ranges[n.Node] = n.NodePodCIDR
	}
	seen := map[netip.Prefix]string{}
	for node, r := range ranges {
		if other, dup := seen[r]; dup {
			t.Errorf("nodes %s and %s share the pod range %s", node, other, r)
		}
		seen[r] = node
	}
	if len(ranges) < 2 {
		t.Errorf("all members on one node (%v): the ranges could not be compared", ranges)
	}
	t.Logf("pod ranges by node: %v", ranges)
}
