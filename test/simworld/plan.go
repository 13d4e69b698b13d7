package simworld

import "k8s.io/apimachinery/pkg/types"

// podPhase is what the kubelet would make of a member pod.
type podPhase int

const (
	// podAbsent: the pod does not exist (deleted, or not created yet).
	podAbsent podPhase = iota
	// podPending: the pod exists but its containers do not run (unscheduled, waiting for its volume, failed).
	podPending
	// podRunning: the mysql container runs.
	podRunning
	// podTerminating: the pod is being deleted; the kubelet has sent SIGTERM.
	podTerminating
)

func (p podPhase) String() string {
	return [...]string{"absent", "pending", "running", "terminating"}[p]
}

// observation is everything one pass knows about one member pod.
type observation struct {
	// Pod is the pod's phase and PodUID its uid ("" when absent).
	Pod    podPhase
	PodUID types.UID
	// Graceful is set when the member's pod was (or is being) deleted with a grace period: mysqld got SIGTERM
	// and shuts down cleanly. Without it, a member whose pod no longer runs is killed.
	Graceful bool
	// RestartDue is set when the member has been down longer than the kubelet's container restart delay while
	// its own pod runs.
	RestartDue bool
	// ClaimUID is the uid of the pod's data PersistentVolumeClaim ("" when it does not exist).
	ClaimUID types.UID
	// Member is the simulated member kept for the pod, nil when it has no data.
	Member *memberFacts
}

// memberFacts describe a simulated member and which pod and claim it belongs to.
type memberFacts struct {
	// Up says whether its mysqld runs.
	Up bool
	// PodUID is the pod it last booted for; ClaimUID the claim its data lives on ("" for none).
	PodUID, ClaimUID types.UID
}

// step is one thing to do to a member.
type step int

const (
	// stepWipe deletes the member and its data (its claim is gone).
	stepWipe step = iota + 1
	// stepCreate initialises a data folder and boots the member (first start of the pod's volume).
	stepCreate
	// stepRestart boots the member for a new pod (killing it first if it still runs for the old one), or again in
	// its pod, as the kubelet restarts an exited container.
	stepRestart
	// stepShutdown stops the member cleanly (SHUTDOWN: it leaves its group first).
	stepShutdown
	// stepCrash kills the member.
	stepCrash
	// stepPublish maps the member's DNS name to its loopback address in the dialer.
	stepPublish
	// stepUnpublish removes the mapping: the pod is gone, so is its DNS record.
	stepUnpublish
)

func (s step) String() string {
	return [...]string{"", "wipe", "create", "restart", "shutdown", "crash", "publish", "unpublish"}[s]
}

// plan decides what to do to a pod's member, in order. A member that is down while its own pod still runs is
// restarted only once RestartDue says so (without a container restart delay, never: a test crashed it on
// purpose and restarts it itself).
func plan(o observation) []step {
	var steps []step
	m := o.Member
	if m != nil && dataLost(o, m) {
		steps = append(steps, stepWipe)
		m = nil
	}
	if o.Pod == podRunning {
		switch {
		case m == nil:
			steps = append(steps, stepCreate)
		case m.PodUID != o.PodUID, !m.Up && o.RestartDue:
			steps = append(steps, stepRestart)
		}
		return append(steps, stepPublish)
	}
	if m != nil && m.Up {
		if o.Graceful {
			steps = append(steps, stepShutdown)
		} else {
			steps = append(steps, stepCrash)
		}
	}
	return append(steps, stepUnpublish)
}

// dataLost says whether the member's data folder is gone: its claim was deleted, or replaced by a new claim
// of the same name. A running pod keeps its claim (the pvc-protection finalizer), so a claim missing while the
// pod runs is not taken as lost.
func dataLost(o observation, m *memberFacts) bool {
	if m.ClaimUID == "" || o.ClaimUID == m.ClaimUID {
		return false
	}
	return o.ClaimUID != "" || o.Pod != podRunning
}
