package clustering

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/topology"
)

// blockingExecutor holds every member query until released, counting the actions it is asked to run.
type blockingExecutor struct {
	inner interface {
		Status(context.Context, *ClusterInfo, string) (*topology.MemberStatus, error)
	}
	held    chan struct{}
	release chan struct{}
	runs    atomic.Int64
}

func (e *blockingExecutor) Status(ctx context.Context, c *ClusterInfo, pod string) (*topology.MemberStatus, error) {
	select {
	case e.held <- struct{}{}:
	default:
	}
	select {
	case <-e.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return e.inner.Status(ctx, c, pod)
}

func (e *blockingExecutor) Run(context.Context, *ClusterInfo, topology.Action) error {
	e.runs.Add(1)
	return nil
}

// Deleting a cluster while its pass is in flight stops its loop and its prober for good: the pass ends without
// acting, starting a prober or publishing, and neither a member notice (Poke) nor the pass itself brings them
// back. Both moments are tried: a pass reading the cluster's Secrets (before the prober is pointed at its
// members), and one querying the members.
func TestForgetWithPassInFlight(t *testing.T) {
	for _, tc := range []struct {
		name       string
		blockOnGet bool
	}{{"reading the secrets", true}, {"querying the members", false}} {
		t.Run(tc.name, func(t *testing.T) { forgetMidPass(t, tc.blockOnGet) })
	}
}

func forgetMidPass(t *testing.T, blockOnGet bool) {
	c, objs := flappingCluster()
	scheme := testScheme(t)
	gets, getRelease := make(chan struct{}, 1), make(chan struct{})
	var writes atomic.Int64
	k8s := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&v1.InnoDBCluster{}, &corev1.Pod{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object,
				o ...client.GetOption) error {
				if _, ok := obj.(*corev1.Secret); ok && blockOnGet && key.Name == specs.InternalSecretName(c) {
					gets <- struct{}{}
					<-getRelease
				}
				return cl.Get(ctx, key, obj, o...)
			},
			SubResourceUpdate: func(ctx context.Context, cl client.Client, sub string, obj client.Object,
				o ...client.SubResourceUpdateOption) error {
				writes.Add(1)
				return cl.SubResource(sub).Update(ctx, obj, o...)
			},
		}).Build()
	exec := &blockingExecutor{inner: &flappingExecutor{c: c}, held: make(chan struct{}, 1),
		release: make(chan struct{})}
	refused := memberdial.DialFunc(func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("refused")
	})
	passes := make(chan error, 10)
	m := &Manager{Client: k8s, Executor: exec, Interval: time.Hour, ShutdownGrace: time.Second,
		OnPass: func(_ types.NamespacedName, err error) { passes <- err }}
	m.Monitor = &Monitor{Dialer: refused, Wake: m.Poke, Interval: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = m.Start(ctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()
	key := types.NamespacedName{Namespace: c.Namespace, Name: c.Name}
	waitFor(t, func() bool { m.mu.Lock(); defer m.mu.Unlock(); return m.ctx != nil })
	m.Wake(key)
	held := exec.held
	if blockOnGet {
		held = gets
	}
	select {
	case <-held:
	case err := <-passes:
		t.Fatalf("the pass ended (%v) before it reached the point the test holds it at", err)
	case <-time.After(30 * time.Second):
		t.Fatal("no pass reached the point the test holds it at within 30s")
	}
	m.Forget(key)
	if blockOnGet {
		close(getRelease)
	}
	close(exec.release)
	if err := <-passes; !errors.Is(err, errPassDone) {
		t.Fatalf("the pass in flight ended with %v, want it ended early", err)
	}
	m.Poke(key) // a member notice arriving after the deletion
	if m.Running(key) || m.Monitor.Watching(key) {
		t.Fatalf("after Forget: loop running %v, prober watching %v", m.Running(key), m.Monitor.Watching(key))
	}
	if n, w := exec.runs.Load(), writes.Load(); n != 0 || w != 0 {
		t.Fatalf("the forgotten pass ran %d actions and wrote the status %d times", n, w)
	}
}

// A member notice that arrives while the cluster is being forgotten does not deadlock the manager: Forget
// waits for the prober's watchers to end, and one of them is delivering a notice (Poke takes the manager's
// lock). The notice here waits until the loop is gone, the moment Forget used to hold that lock for good.
func TestForgetWhileAMemberNoticeArrives(t *testing.T) {
	c, objs := flappingCluster()
	k8s := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).
		WithStatusSubresource(&v1.InnoDBCluster{}, &corev1.Pod{}).Build()
	refused := memberdial.DialFunc(func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("refused")
	})
	key := types.NamespacedName{Namespace: c.Namespace, Name: c.Name}
	m := &Manager{Client: k8s, Executor: &flappingExecutor{c: c}, Interval: time.Hour, ShutdownGrace: time.Second}
	notified := make(chan struct{}, 1)
	m.Monitor = &Monitor{Dialer: refused, Interval: time.Hour, Wake: func(k types.NamespacedName) {
		select {
		case notified <- struct{}{}:
			for m.Running(k) { // until Forget is under way
				time.Sleep(time.Millisecond)
			}
		default:
		}
		m.Poke(k)
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // not waiting for Start to return: after a deadlock it never does
	go func() { _ = m.Start(ctx) }()
	waitFor(t, func() bool { m.mu.Lock(); defer m.mu.Unlock(); return m.ctx != nil })
	m.Wake(key)
	select {
	case <-notified:
	case <-time.After(30 * time.Second):
		t.Fatal("no member notice within 30s")
	}
	forgotten := make(chan struct{})
	go func() { m.Forget(key); close(forgotten) }()
	select {
	case <-forgotten:
	case <-time.After(30 * time.Second):
		t.Fatal("Forget did not return within 30s: the manager deadlocked with the prober's notice")
	}
	if m.Running(key) || m.Monitor.Watching(key) {
		t.Fatalf("after Forget: loop running %v, prober watching %v", m.Running(key), m.Monitor.Watching(key))
	}
}
