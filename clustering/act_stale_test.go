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

// offlineExecutor serves db-0 (primary) and db-1 ONLINE and db-2 OFFLINE, which the loop would rejoin. Status
// signals entered and waits for hold; Run records the actions.
type offlineExecutor struct {
	c       *v1.InnoDBCluster
	entered chan struct{}
	hold    chan struct{}
	ran     chan topology.Action
}

func (e *offlineExecutor) Status(ctx context.Context, _ *ClusterInfo, pod string) (*topology.MemberStatus, error) {
	select {
	case e.entered <- struct{}{}:
	default:
	}
	select {
	case <-e.hold:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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

func (e *offlineExecutor) Run(_ context.Context, _ *ClusterInfo, a topology.Action) error {
	e.ran <- a
	return nil
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
	exec := &offlineExecutor{c: c, entered: make(chan struct{}, 1), hold: make(chan struct{}),
		ran: make(chan topology.Action, 4)}
	m := &Manager{Client: k8s, Executor: exec, Recorder: &countingRecorder{reasons: map[string]int{}}}
	key := client.ObjectKeyFromObject(c)
	l := &loop{key: key, m: m, wake: make(chan struct{}, 1), actionCtx: context.Background()}
	m.loops = map[types.NamespacedName]*loop{key: l}
	move := topology.Action{Kind: topology.ActionMoveMember, Member: specs.PodName(c, 2)}
	l.running = &inflight{action: move, started: time.Now()}
	done := make(chan error, 1)
	go func() { done <- l.pass(context.Background()) }()
	<-exec.entered // the pass is querying the members
	l.actionEnded(move, nil)
	close(exec.hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-exec.ran:
		t.Fatalf("the pass started %s %s on a view older than the action that just ended", a.Kind, a.Member)
	case <-time.After(200 * time.Millisecond):
	}
	if err := l.pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-exec.ran:
		t.Logf("the next pass started %s %s", a.Kind, a.Member)
	case <-time.After(5 * time.Second):
		t.Fatal("the next pass started nothing either: the test's group needs no action")
	}
}
