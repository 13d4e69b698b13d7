package clustering

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/topology"
)

// offlineExecutor serves db-0 (primary) and db-1 ONLINE and db-2 OFFLINE, which the loop would rejoin.
type offlineExecutor struct{ c *v1.InnoDBCluster }

func (e *offlineExecutor) Status(_ context.Context, _ *ClusterInfo, pod string) (*topology.MemberStatus, error) {
	group := onlineGroup(e.c, 2)
	ord, _ := specs.Ordinal(pod)
	st := &topology.MemberStatus{ServerUUID: fmt.Sprintf("00000000-0000-0000-0000-%012d", ord),
		GTIDExecuted: "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-10", Version: "8.4.3", SuperReadOnly: ord != 0}
	if ord == 2 {
		st.State = topology.StateOffline
		return st, nil
	}
	st.State, st.Role, st.ViewID, st.Group = topology.StateOnline, group[ord].Role, "1:2", group
	return st, nil
}

// An action that ends while a pass queries the members (a move that stopped db-2 and deleted its pod) makes
// that pass act on nothing: its view may predate what the action did, and rejoining the member just moved
// would undo it. The action's end wakes the loop, and the next pass, observing afresh, acts.
func TestPassDoesNotActOnAViewOlderThanTheLastAction(t *testing.T) {
	c, objs := flappingCluster()
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			p.Annotations = map[string]string{v1.AnnotationOnlineRestarts: "0"}
		}
	}
	k8s := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).
		WithStatusSubresource(&v1.InnoDBCluster{}, &corev1.Pod{}).Build()
	exec := &blockingExecutor{inner: &offlineExecutor{c: c}, held: make(chan struct{}, 1),
		release: make(chan struct{})}
	m := &Manager{Client: k8s, Executor: exec, Recorder: &countingRecorder{reasons: map[string]int{}}}
	key := client.ObjectKeyFromObject(c)
	l := &loop{key: key, m: m, wake: make(chan struct{}, 1), actionCtx: context.Background()}
	m.loops = map[types.NamespacedName]*loop{key: l}
	move := topology.Action{Kind: topology.ActionMoveMember, Member: specs.PodName(c, 2)}
	l.running = &inflight{action: move, started: time.Now()}
	done := make(chan error, 1)
	go func() { done <- l.pass(context.Background()) }()
	<-exec.held // the pass is querying the members
	l.actionEnded(move, nil)
	close(exec.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if time.Sleep(200 * time.Millisecond); exec.runs.Load() != 0 {
		t.Fatal("the pass started an action on a view older than the action that just ended")
	}
	if err := l.pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(5 * time.Second); exec.runs.Load() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the next pass started nothing either: the test's group needs no action")
		}
	}
}
