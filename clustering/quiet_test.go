package clustering

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/topology"
)

// flappingExecutor serves a healthy group of three whose member db-2 cannot be queried, each time with another
// ephemeral port in its error, as a connection refused from a new source port reads.
type flappingExecutor struct {
	c     *v1.InnoDBCluster
	calls atomic.Int64
}

func (e *flappingExecutor) Status(_ context.Context, _ *ClusterInfo, pod string) (*topology.MemberStatus, error) {
	n := e.calls.Add(1)
	if pod == specs.PodName(e.c, 2) {
		return nil, fmt.Errorf("%w: dial tcp 127.0.0.1:%d->10.0.0.3:33060: connect: connection refused",
			mysqladmin.ErrUnreachable, 40000+n)
	}
	group := onlineGroup(e.c, 3)
	ord, _ := specs.Ordinal(pod)
	return &topology.MemberStatus{ServerUUID: group[ord].UUID, State: topology.StateOnline, Role: group[ord].Role,
		ViewID: "1:3", GTIDExecuted: "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa:1-10", Version: "8.4.3",
		SuperReadOnly: ord != 0, Group: group}, nil
}

// onlineGroup is the group of the first n members, all ONLINE, db-0 the primary.
func onlineGroup(c *v1.InnoDBCluster, n int) []topology.GroupMember {
	group := make([]topology.GroupMember, n)
	for i := range group {
		group[i] = topology.GroupMember{UUID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i),
			Host: specs.MemberHost(c, i, ""), Port: 3306, State: topology.StateOnline, Role: topology.RoleSecondary,
			Version: "8.4.3"}
	}
	group[0].Role = topology.RolePrimary
	return group
}

func (*flappingExecutor) Run(context.Context, *ClusterInfo, topology.Action) error { return nil }

// countingRecorder counts events by reason.
type countingRecorder struct {
	mu      sync.Mutex
	reasons map[string]int
}

func (r *countingRecorder) Eventf(_, _ runtime.Object, _, reason, _, _ string, _ ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reasons[reason]++
}

func (r *countingRecorder) AnnotatedEventf(regarding, related runtime.Object, _ map[string]string, typ, reason,
	action, note string, args ...any) {
	r.Eventf(regarding, related, typ, reason, action, note, args...)
}

func (r *countingRecorder) count(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reasons[reason]
}

// A member that cannot be queried, with an error whose text changes every pass (an ephemeral port), rewrites
// nothing: after the first passes publish it, further passes make no write at all. The condition names a stable
// cause; the full error went to one MemberUnreachable event.
func TestFlappingMemberRewritesNoStatus(t *testing.T) {
	c, objs := flappingCluster()
	scheme := testScheme(t)
	var writes atomic.Int64
	countWrite := func(verb string) { writes.Add(1); t.Logf("write: %s", verb) }
	k8s := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&v1.InnoDBCluster{}, &corev1.Pod{}).
		WithInterceptorFuncs(interceptor.Funcs{
			Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, p client.Patch,
				o ...client.PatchOption) error {
				countWrite("patch " + obj.GetName())
				return cl.Patch(ctx, obj, p, o...)
			},
			SubResourceUpdate: func(ctx context.Context, cl client.Client, sub string, obj client.Object,
				o ...client.SubResourceUpdateOption) error {
				countWrite("update status " + obj.GetName())
				return cl.SubResource(sub).Update(ctx, obj, o...)
			},
			SubResourcePatch: func(ctx context.Context, cl client.Client, sub string, obj client.Object,
				p client.Patch, o ...client.SubResourcePatchOption) error {
				countWrite("patch status " + obj.GetName())
				return cl.SubResource(sub).Patch(ctx, obj, p, o...)
			},
		}).Build()
	rec := &countingRecorder{reasons: map[string]int{}}
	exec := &flappingExecutor{c: c}
	m := &Manager{Client: k8s, Executor: exec, Recorder: rec}
	key := client.ObjectKeyFromObject(c)
	l := &loop{key: key, m: m, wake: make(chan struct{}, 1), actionCtx: context.Background()}
	m.loops = map[types.NamespacedName]*loop{key: l}
	ctx := context.Background()
	for range 3 { // the first passes label the pods and publish the status
		if err := l.pass(ctx); err != nil {
			t.Fatal(err)
		}
	}
	writes.Store(0)
	for range 5 {
		if err := l.pass(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := writes.Load(); n != 0 {
		t.Fatalf("%d writes in 5 passes of a flapping member, want none", n)
	}
	var got v1.InnoDBCluster
	if err := k8s.Get(ctx, key, &got); err != nil {
		t.Fatal(err)
	}
	cond := meta.FindStatusCondition(got.Status.Conditions, string(v1.ConditionGroupOnline))
	if cond == nil || !strings.Contains(cond.Message, "db-2 runs but cannot be queried: cannot connect") || strings.Contains(cond.Message, "127.0.0.1") {
		t.Fatalf("GroupOnline %+v, want the stable cause of db-2 and no address", cond)
	}
	if n := rec.count(string(events.MemberUnreachable.Reason())); n != 1 {
		t.Fatalf("%d MemberUnreachable events in 8 passes, want 1 (the cause never changed)", n)
	}
}

// flappingCluster is a bootstrapped cluster of three with its Secrets, StatefulSet and running pods.
func flappingCluster() (*v1.InnoDBCluster, []client.Object) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "db", Generation: 1}}
	c.Spec.Instances = 3
	c.Status.Bootstrapped = true
	objs := []client.Object{c,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: specs.CredentialsSecretName(c)},
			Data: map[string][]byte{specs.KeyRootPassword: []byte("root")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: specs.InternalSecretName(c)},
			Data: map[string][]byte{specs.KeyGroupName: []byte("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"),
				specs.KeyAdminUser: []byte("orca_admin"), specs.KeyAdminPassword: []byte("admin")}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: specs.StatefulSetName(c)}},
		// The members' trust bundle the loop reads each pass (the executor here is a double: never parsed).
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: specs.TrustSecretName(c)},
			Data: map[string][]byte{specs.KeyCACert: []byte("bundle")}},
	}
	for i := range 3 {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: specs.PodName(c, i),
			Labels: specs.SelectorLabels(c)}}
		p.Status.Phase = corev1.PodRunning
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: specs.ContainerMySQL,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
		objs = append(objs, p)
	}
	return c, objs
}

// Nothing changed in ten minutes: the mutation leaves the status as it was, lastProbeTime included, so it is not
// written; a change stamps the observation's time.
func TestStatusMutationStampsOnlyChanges(t *testing.T) {
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Generation: 1}}
	c.Spec.Instances = 1
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	o := &observation{cluster: c, at: at, topo: topology.Observation{Members: []topology.Member{{Pod: "db-0"}}}}
	d := &topology.Decision{State: topology.ClusterOnline, Reason: topology.ReasonOnline, Message: "all ONLINE",
		Members: []topology.Assessment{{Pod: "db-0", Health: topology.HealthOnline, Reachable: true}}}
	statusMutation(o, d, nil, nil)(c, &c.Status)
	first := c.Status.DeepCopy()
	o.at = at.Add(10 * time.Minute)
	statusMutation(o, d, nil, nil)(c, &c.Status)
	if !equality.Semantic.DeepEqual(first, &c.Status) {
		t.Fatalf("an unchanged observation changed the status:\n%+v\n%+v", first, c.Status)
	}
	d.Members[0].Health = topology.HealthError
	statusMutation(o, d, nil, nil)(c, &c.Status)
	if !c.Status.LastProbeTime.Time.Equal(o.at) {
		t.Fatalf("lastProbeTime %v after a change, want %v", c.Status.LastProbeTime, o.at)
	}
}

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, v1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return scheme
}
