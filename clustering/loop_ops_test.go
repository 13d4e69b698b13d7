package clustering_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/mysqlsim"
)

func (w *world) setInstances(n int32) {
	w.t.Helper()
	c := w.get()
	patch := client.MergeFrom(c.DeepCopy())
	c.Spec.Instances = n
	if err := k8s.Patch(context.Background(), c, patch); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) stsReplicas() int32 {
	var sts appsv1.StatefulSet
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: "db"}, &sts); err != nil {
		return -1
	}
	return *sts.Spec.Replicas
}

// Scale 3 -> 5 -> 3: new members join; on the way down the extra members leave the group gracefully before the
// StatefulSet lets their pods go, and the primary stays.
func TestLoopScalesUpAndDownGracefully(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	w.setInstances(5)
	w.addMember(3)
	w.addMember(4)
	w.waitOnline(0)
	// The reconcile issues the new members' certificates before it applies the StatefulSet.
	eventually(t, 30*time.Second, func() error {
		if r := w.stsReplicas(); r != 5 {
			return fmt.Errorf("statefulset replicas %d after scale-up", r)
		}
		return nil
	})
	before := incarnations(w.members)
	w.setInstances(3)
	eventually(t, 30*time.Second, func() error {
		for _, m := range w.members[3:] {
			if m.State() != mysqlsim.StateOffline {
				return fmt.Errorf("%s is %s", m.Name(), m.State())
			}
		}
		if r := w.stsReplicas(); r != 3 {
			return fmt.Errorf("statefulset replicas %d, want 3 once members 3 and 4 left", r)
		}
		return nil
	})
	if after := incarnations(w.members); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("scale-down restarted members instead of removing them: %v -> %v", before, after)
	}
	w.deletePod(3) // as the StatefulSet controller would, once replicas dropped
	w.deletePod(4)
	w.waitOnline(0)
}

// A switchover on request moves the primary, the role labels follow, and the request is cleared.
func TestLoopSwitchesOverOnRequest(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	w.annotate(v1.AnnotationSwitchoverTo, "db-2")
	w.waitOnline(2)
	eventually(t, 10*time.Second, func() error {
		if _, still := w.get().Annotations[v1.AnnotationSwitchoverTo]; still {
			return fmt.Errorf("switchover annotation not removed")
		}
		return nil
	})
}

// A member in a long distributed recovery is left alone: not Ready, not labelled, never restarted.
func TestLoopLeavesRecoveringMemberAlone(t *testing.T) {
	w := newWorldWith(t, 3, mysqlsim.Config{Second: 5 * time.Millisecond, RecoverySeconds: 600})
	eventually(t, 60*time.Second, func() error {
		if w.members[0].State() != mysqlsim.StateOnline {
			return fmt.Errorf("db-0 is %s", w.members[0].State())
		}
		for _, m := range w.members[1:] {
			if m.State() != mysqlsim.StateRecovering && m.State() != mysqlsim.StateOnline {
				return fmt.Errorf("%s is %s", m.Name(), m.State())
			}
		}
		return nil
	})
	// Members join one at a time: find the one in recovery now.
	r := -1
	for i, m := range w.members {
		if m.State() == mysqlsim.StateRecovering {
			r = i
		}
	}
	if r < 0 {
		t.Fatalf("no member in recovery (recovery lasts 3 s)")
	}
	inc := w.members[r].Incarnation()
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) && w.members[r].State() == mysqlsim.StateRecovering {
		p := w.pod(r)
		if gate(p) == corev1.ConditionTrue || p.Labels[v1.LabelRole] != "" {
			t.Fatalf("recovering member is Ready or labelled: gate %q labels %v", gate(p), p.Labels)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if w.members[r].Incarnation() != inc {
		t.Fatal("a RECOVERING member was restarted")
	}
	w.waitOnline(0)
}
