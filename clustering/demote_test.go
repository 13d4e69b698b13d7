package clustering

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// chanSink signals each pass's observation.
type chanSink chan []ObservedMember

func (s chanSink) Observed(_ types.NamespacedName, members []ObservedMember) {
	select {
	case s <- members:
	default:
	}
}

// demotionWorld is flappingCluster with db-0's mysqld exited (its pod is to be demoted) and every pod patch
// answered by patch.
func demotionWorld(t *testing.T, patch func(ctx context.Context, obj client.Object) error) (*loop, chanSink,
	client.Client) {
	t.Helper()
	c, objs := flappingCluster()
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok && p.Name == specs.PodName(c, 0) {
			p.Labels[v1.LabelRole] = v1.RolePrimary
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{
				Terminated: &corev1.ContainerStateTerminated{ExitCode: 137}}
		}
	}
	k8s := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).
		WithStatusSubresource(&v1.InnoDBCluster{}, &corev1.Pod{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, p client.Patch,
				o ...client.PatchOption) error {
				if _, isPod := obj.(*corev1.Pod); isPod {
					if err := patch(ctx, obj); err != nil {
						return err
					}
				}
				return cl.Patch(ctx, obj, p, o...)
			},
		}).Build()
	sink := make(chanSink, 8)
	m := &Manager{Client: k8s, Executor: &flappingExecutor{c: c}, Recorder: &countingRecorder{reasons: map[string]int{}},
		Sink: sink}
	key := client.ObjectKeyFromObject(c)
	l := &loop{key: key, m: m, wake: make(chan struct{}, 1), actionCtx: context.Background()}
	m.loops = map[types.NamespacedName]*loop{key: l}
	return l, sink, k8s
}

// The DNS records follow the members' answers without waiting for the demotion's API writes: the sink has the
// pass's members while the exited primary's pod patch is still in flight.
func TestSinkDoesNotWaitForTheDemotion(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	l, sink, _ := demotionWorld(t, func(ctx context.Context, obj client.Object) error {
		if obj.GetName() != "db-0" {
			return nil
		}
		select {
		case <-release:
			return nil
		case <-time.After(5 * time.Second):
			return errors.New("the pass waited for this patch before handing its members to the sink")
		}
	})
	go func() {
		<-sink
		once.Do(func() { close(release) })
	}()
	if err := l.pass(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A pod deleted after the cache listed it (its demotion answers NotFound) does not fail the pass: the
// survivors are published in the same pass.
func TestDeletedPodDoesNotFailThePass(t *testing.T) {
	l, sink, k8s := demotionWorld(t, func(_ context.Context, obj client.Object) error {
		if obj.GetName() == "db-0" {
			return apierrors.NewNotFound(corev1.Resource("pods"), obj.GetName())
		}
		return nil
	})
	if err := l.pass(context.Background()); err != nil {
		t.Fatalf("pass: %v", err)
	}
	if len(sink) != 1 {
		t.Fatalf("%d observations reached the sink, want 1", len(sink))
	}
	var got v1.InnoDBCluster
	if err := k8s.Get(context.Background(), l.key, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Status.Members) != 3 || got.Status.Members[1].Health != "Online" {
		t.Fatalf("status not published in the pass: %+v", got.Status)
	}
}
