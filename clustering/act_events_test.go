package clustering

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/testutil"
	"github.com/orca-operator/orca/topology"
)

// recordingSink keeps the notes the events broadcaster writes to the API.
type recordingSink struct {
	mu    sync.Mutex
	notes []string
}

func (s *recordingSink) add(e *eventsv1.Event) (*eventsv1.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	related := ""
	if e.Related != nil {
		related = e.Related.Name
	}
	s.notes = append(s.notes, fmt.Sprintf("%s %s [%s]", e.Reason, e.Note, related))
	return e, nil
}

func (s *recordingSink) Create(_ context.Context, e *eventsv1.Event) (*eventsv1.Event, error) {
	return s.add(e)
}
func (s *recordingSink) Update(_ context.Context, e *eventsv1.Event) (*eventsv1.Event, error) {
	return s.add(e)
}
func (s *recordingSink) Patch(_ context.Context, e *eventsv1.Event, _ []byte) (*eventsv1.Event, error) {
	return s.add(e)
}

func (s *recordingSink) written() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.notes)
}

type okExecutor struct{}

func (okExecutor) Status(context.Context, *ClusterInfo, string) (*topology.MemberStatus, error) {
	return nil, fmt.Errorf("not used")
}
func (okExecutor) Run(context.Context, *ClusterInfo, topology.Action) error { return nil }

// The events API folds events with the same reason, object and related object into one series that keeps the
// first note: each action event names its member's pod as related object, so joining two members writes two
// events, each with its own message.
func TestActionEventsKeepEachMembersMessage(t *testing.T) {
	sink := &recordingSink{}
	b := events.NewBroadcaster(sink)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := b.StartRecordingToSinkWithContext(ctx); err != nil {
		t.Fatal(err)
	}
	defer b.Shutdown()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := v1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	rec, ok := b.NewRecorder(scheme, "orca-clustering").(recorder.EventRecorder)
	if !ok {
		t.Fatal("the events recorder is not a controller-runtime EventRecorder")
	}
	l := &loop{m: &Manager{Executor: okExecutor{}, Recorder: rec}}
	o := &observation{cluster: &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db", UID: "c"}},
		pods: map[string]*corev1.Pod{}, info: &ClusterInfo{}}
	for _, pod := range []string{"db-1", "db-2"} {
		o.pods[pod] = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: pod, UID: types.UID("u-" + pod)}}
		a := topology.Action{Kind: topology.ActionJoinMember, Member: pod, Message: "join " + pod}
		if err := l.act(ctx, o, a); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"JoinMember join db-1 [db-1]", "JoinMember join db-2 [db-2]"}
	testutil.Eventually(t, 5*time.Second, func() error {
		got := sink.written()
		slices.Sort(got) // each event is written from its own goroutine
		if !slices.Equal(got, want) {
			return fmt.Errorf("events written %q, want %q", got, want)
		}
		return nil
	})
}
