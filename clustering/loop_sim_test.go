package clustering_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/admintest"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// world is one cluster: its Kubernetes objects on the apiserver and one simulated member per pod, each
// served (X Protocol and classic, TLS with the certificate Orca issued for it) on a loopback address of its
// own, which members maps its stable name to.
type world struct {
	t       *testing.T
	ns      string
	cluster *v1.InnoDBCluster
	group   *mysqlsim.Group
	members []*mysqlsim.Member

	mycnf, rootPassword string
}

// memberIPs hands out the members' loopback addresses: 127.50-99.x.y, a range no other suite of the
// repository uses, derived from the process id so that concurrent runs of this package do not meet.
var memberIPs = struct {
	sync.Mutex
	next int
}{}

func nextMemberIP() string {
	memberIPs.Lock()
	defer memberIPs.Unlock()
	memberIPs.next++
	n, pid := memberIPs.next, os.Getpid()
	return fmt.Sprintf("127.%d.%d.%d", 50+pid%50, (pid/50+n/250)%250, 2+n%250)
}

// key names the world's cluster.
func (w *world) key() types.NamespacedName { return client.ObjectKeyFromObject(w.cluster) }

// waitPasses waits until the cluster's loop completed n more passes.
func (w *world) waitPasses(n int) { w.t.Helper(); passes.during(w.t, w.key(), n, func() {}) }

// memberTLS waits for the certificate the reconciler issues for pod i (Orca's <name>-tls Secret) and loads it,
// as mysqld does from ssl_cert and ssl_key at boot.
func (w *world) memberTLS(i int) *tls.Config {
	w.t.Helper()
	pod := specs.PodName(w.cluster, i)
	var pair tls.Certificate
	eventually(w.t, 30*time.Second, func() error {
		var s corev1.Secret
		key := client.ObjectKey{Namespace: w.ns, Name: specs.ServerTLSSecretName(w.cluster)}
		if err := k8s.Get(context.Background(), key, &s); err != nil {
			return err
		}
		var err error
		pair, err = tls.X509KeyPair(s.Data[specs.MemberCertKey(pod)], s.Data[specs.MemberKeyKey(pod)])
		return err
	})
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
}

func newWorld(t *testing.T, instances int32) *world {
	t.Helper()
	return newWorldWith(t, instances, mysqlsim.Config{Second: 5 * time.Millisecond})
}

// newWorldWith builds a world whose cluster spec the mutations adjust before it is created.
func newWorldWith(t *testing.T, instances int32, simCfg mysqlsim.Config, spec ...func(*v1.InnoDBClusterSpec)) *world {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "loop-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "db"}}
	c.Spec.Instances = instances
	for _, f := range spec {
		f(&c.Spec)
	}
	if err := k8s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ns: ns.Name, cluster: c}
	var secret corev1.Secret
	var cm corev1.ConfigMap
	eventually(t, 20*time.Second, func() error {
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: "db-credentials"}, &secret); err != nil {
			return err
		}
		return k8s.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: "db-mycnf"}, &cm)
	})
	g, err := mysqlsim.NewGroup(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	fe := &mysqlsim.Frontends{Group: g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fe.Shutdown) // before the group closes
	w.group, w.mycnf, w.rootPassword = g, cm.Data[specs.MyCnfKey], string(secret.Data[specs.KeyRootPassword])
	for i := 0; i < int(instances); i++ {
		w.addMember(i)
	}
	return w
}

// addMember boots the simulated server of ordinal i from the cluster's my.cnf and runs its pod.
func (w *world) addMember(i int) {
	w.t.Helper()
	host, ip := specs.MemberHost(w.cluster, i, ""), nextMemberIP()
	m, err := w.group.AddMember(mysqlsim.MemberConfig{Name: specs.PodName(w.cluster, i), Host: ip,
		Port: specs.PortMySQL, XPort: specs.PortMySQLX, Version: "8.4.3", RootPassword: w.rootPassword,
		TLS:     w.memberTLS(i),
		Options: admintest.OptionsFromMyCnf(w.mycnf, specs.RenderMemberCnf(1000, i, host))})
	if err != nil {
		w.t.Fatalf("boot member %d from the cluster's ConfigMap: %v", i, err)
	}
	if err := members.Set(host, ip); err != nil {
		w.t.Fatal(err)
	}
	w.members = append(w.members, m)
	w.runPod(i)
}

// runPod creates the member's pod as Running, as the StatefulSet controller and kubelet would.
func (w *world) runPod(i int) { w.runPodAnnotated(i, nil) }

// runPodAnnotated is runPod with the pod template's annotations (a StatefulSet's pod carries them).
func (w *world) runPodAnnotated(i int, annotations map[string]string) {
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: specs.PodName(w.cluster, i),
		Labels: specs.SelectorLabels(w.cluster), Annotations: annotations},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "mysql", Image: "mysql:8.4.3"}},
			ReadinessGates: []corev1.PodReadinessGate{{ConditionType: specs.ReadinessGateOnline}}}}
	if err := k8s.Create(ctx, pod); err != nil {
		w.t.Fatal(err)
	}
	// As the kubelet does, on the pod as it is now: the loop may have patched it since it was created.
	eventually(w.t, 10*time.Second, func() error {
		p := w.pod(i)
		p.Status.Phase = corev1.PodRunning
		p.Status.ContainerStatuses = []corev1.ContainerStatus{runningContainer(0)}
		return k8s.Status().Update(ctx, p)
	})
}

// runningContainer is the mysql container as the kubelet reports it after restarts restarts.
func runningContainer(restarts int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: specs.ContainerMySQL, Image: "mysql:8.4.3", Ready: true,
		Started: ptr.To(true), RestartCount: restarts,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}
}

// setContainer reports the mysql container of pod i as the kubelet would: running after restarts restarts,
// or terminated (exited) when running is false.
func (w *world) setContainer(i int, running bool, restarts int32) {
	w.t.Helper()
	eventually(w.t, 10*time.Second, func() error {
		p := w.pod(i)
		cs := runningContainer(restarts)
		if !running {
			cs.Ready, cs.Started = false, ptr.To(false)
			cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137,
				Reason: "Error", FinishedAt: metav1.Now()}}
		}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{cs}
		return k8s.Status().Update(context.Background(), p)
	})
}

func (w *world) get() *v1.InnoDBCluster {
	var c v1.InnoDBCluster
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(w.cluster), &c); err != nil {
		w.t.Fatal(err)
	}
	return &c
}

func (w *world) pod(i int) *corev1.Pod {
	var p corev1.Pod
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: specs.PodName(w.cluster, i)}, &p); err != nil {
		w.t.Fatal(err)
	}
	return &p
}

func gate(p *corev1.Pod) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == specs.ReadinessGateOnline {
			return c.Status
		}
	}
	return ""
}

// waitOnline waits until the cluster is ONLINE with the given primary and every pod labelled and gated.
func (w *world) waitOnline(primary int) {
	w.t.Helper()
	eventually(w.t, 30*time.Second, func() error {
		c := w.get()
		if c.Status.ClusterState != v1.ClusterStateOnline || c.Status.OnlineInstances != c.Spec.Instances {
			return fmt.Errorf("state %s online %d: %s", c.Status.ClusterState, c.Status.OnlineInstances, condMsg(c))
		}
		if want := specs.PodName(w.cluster, primary); c.Status.Primary != want {
			return fmt.Errorf("primary %q, want %q", c.Status.Primary, want)
		}
		if ready := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionReady)); ready == nil ||
			ready.Status != metav1.ConditionTrue {
			return fmt.Errorf("Ready %+v", ready)
		}
		for i := 0; i < int(c.Spec.Instances); i++ {
			if st := w.members[i].State(); st != mysqlsim.StateOnline {
				return fmt.Errorf("member %d is %s", i, st)
			}
			p := w.pod(i)
			role := v1.RoleSecondary
			if i == primary {
				role = v1.RolePrimary
			}
			if p.Labels[v1.LabelRole] != role || gate(p) != corev1.ConditionTrue {
				return fmt.Errorf("pod %s role %q gate %q", p.Name, p.Labels[v1.LabelRole], gate(p))
			}
		}
		return nil
	})
}

func condMsg(c *v1.InnoDBCluster) string {
	if g := meta.FindStatusCondition(c.Status.Conditions, string(v1.ConditionGroupOnline)); g != nil {
		return g.Reason + ": " + g.Message
	}
	return "no GroupOnline condition"
}

func TestLoopBootstrapsThenSurvivesPrimaryCrash(t *testing.T) {
	w := newWorld(t, 3)
	w.waitOnline(0)
	if !w.get().Status.Bootstrapped {
		t.Fatal("status.bootstrapped not recorded")
	}
	// Once every member has the operator's own account (created at bootstrap, replicated by recovery), the
	// loop works with it alone: root is only for members that never joined.
	var internal corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: w.ns, Name: "db-internal"}, &internal); err != nil {
		t.Fatal(err)
	}
	admin := string(internal.Data[specs.KeyAdminUser])
	for _, m := range w.members {
		if acct, ok := m.LookupAccount(admin, "127.0.0.1"); !ok ||
			acct.Password != string(internal.Data[specs.KeyAdminPassword]) {
			t.Fatalf("%s lacks the operator's account %s", m.Name(), admin)
		}
	}
	// Kept sessions log in no more, so they are closed first: the next passes show the account they use. A pass
	// in flight during Close may keep its session again, so a window without any login is tried again.
	for try := 1; ; try++ {
		statusSessions.Close()
		w.group.Logins()
		w.waitPasses(3)
		logins := w.group.Logins()
		if logins["root"] != 0 || (logins[admin] == 0 && try == 5) {
			t.Fatalf("logins after bootstrap %v: want only %s", logins, admin)
		}
		if logins[admin] != 0 {
			break
		}
	}
	gtids := w.members[0].GTIDExecuted()

	// The primary's mysqld dies; the pod stays (its container restarts). The group elects a new primary and
	// the role labels follow; the crashed member is neither labelled nor Ready.
	w.members[0].Crash()
	eventually(t, 30*time.Second, func() error {
		c := w.get()
		if c.Status.Primary == "" || c.Status.Primary == "db-0" {
			return fmt.Errorf("primary %q: %s", c.Status.Primary, condMsg(c))
		}
		p := w.pod(0)
		if _, labelled := p.Labels[v1.LabelRole]; labelled || gate(p) != corev1.ConditionFalse {
			return fmt.Errorf("crashed member still labelled %v gate %q", p.Labels, gate(p))
		}
		return nil
	})
	newPrimary := w.get().Status.Primary

	// mysqld comes back without Group Replication (start_on_boot is off): Orca rejoins it as a secondary.
	if err := w.members[0].Restart(); err != nil {
		t.Fatal(err)
	}
	ord, _ := specs.Ordinal(newPrimary)
	w.waitOnline(ord)
	if !gtids.SubsetOf(w.members[0].GTIDExecuted()) {
		t.Fatalf("rejoined member lost transactions: had %s, has %s", gtids, w.members[0].GTIDExecuted())
	}
}
