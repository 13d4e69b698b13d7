package simworld

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/xprotocol"
)

// An InnoDBCluster on a kwok-simulated cluster, reconciled by the real operator: its three pods get simulated
// members reachable only through the loopback dialer, with the identity mysqld would have in each pod; a
// deleted pod's member goes down and its successor comes back with the same data; a deleted claim takes the
// data with it.
func TestMembersFollowPods(t *testing.T) {
	e := startEnv(t)
	c := e.createCluster(t, "default", "mycluster", 3, 1000)
	password := e.rootPassword(t, c)
	members := make([]*mysqlsim.Member, 3)
	for i := range members {
		members[i] = e.runningMember(t, c, i, 90*time.Second)
	}
	if !t.Run("reachable through the loopback dialer", func(t *testing.T) {
		for i, m := range members {
			e.checkIdentity(t, c, i, password, m.UUID())
			e.checkOnlyLoopback(t, c, i)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		host := specs.MemberHost(c, 0, "")
		if _, err := e.xIdentity(ctx, host, "wrong"); err == nil {
			t.Error("X Protocol login with a wrong password accepted")
		}
		if _, err := e.classicIdentity(ctx, host, "wrong"); err == nil {
			t.Error("classic login with a wrong password accepted")
		}
	}) {
		t.FailNow()
	}
	if !t.Run("deleted pod: member down, successor restarts it with its data", func(t *testing.T) {
		e.checkPodReplacement(t, c, 1, members, password)
	}) {
		t.FailNow()
	}
	t.Run("deleted claim: the data goes with it", func(t *testing.T) {
		e.checkClaimDeletion(t, c, 2, members[2], password)
	})
	t.Run("mysqld exits in its pod: the kubelet restarts the container", func(t *testing.T) {
		m := members[0]
		inc, uuid := m.Incarnation(), m.UUID()
		crashed := time.Now()
		m.Crash()
		eventually(t, 15*time.Second, func() error {
			if !m.Up() || m.Incarnation() == inc {
				return fmt.Errorf("member %s not restarted", m.Name())
			}
			return nil
		})
		if waited := time.Since(crashed); waited < 900*time.Millisecond {
			t.Errorf("restarted after %s, before the 1s container restart delay", waited)
		}
		e.checkIdentity(t, c, 0, password, uuid)
	})
	t.Run("same pod names in another namespace: another group, another address", func(t *testing.T) {
		other := e.createCluster(t, "team-b", "mycluster", 1, 7000)
		m := e.runningMember(t, other, 0, 90*time.Second)
		if e.World.Group("team-b", "mycluster") == e.World.Group("default", "mycluster") {
			t.Fatal("two clusters share one group")
		}
		if a, b := e.World.Address("team-b", "mycluster-0"), e.World.Address("default", "mycluster-0"); a == b {
			t.Fatalf("both mycluster-0 members on %s", a)
		}
		e.checkIdentity(t, other, 0, e.rootPassword(t, other), m.UUID())
		e.checkIdentity(t, c, 0, password, members[0].UUID())
	})
}

// checkIdentity logs in as root over both protocols through the dialer and checks what mysqld in the pod
// would answer.
func (e *env) checkIdentity(t *testing.T, c *v1.InnoDBCluster, ordinal int, password, uuid string) {
	t.Helper()
	host := specs.MemberHost(c, ordinal, "")
	want := identity{ServerID: c.Spec.BaseServerID + int64(ordinal), ReportHost: host, UUID: uuid}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	eventually(t, 15*time.Second, func() error {
		for proto, get := range map[string]func(context.Context, string, string) (identity, error){
			"X Protocol": e.xIdentity, "classic": e.classicIdentity,
		} {
			got, err := get(ctx, host, password)
			if err != nil {
				return fmt.Errorf("%s login to %s: %w", proto, host, err)
			}
			if got != want {
				return fmt.Errorf("%s: %s answers %+v, want %+v", proto, host, got, want)
			}
		}
		return nil
	})
}

// checkOnlyLoopback checks that the member's names resolve to its loopback address and its pod IP to nothing.
func (e *env) checkOnlyLoopback(t *testing.T, c *v1.InnoDBCluster, ordinal int) {
	t.Helper()
	pod := specs.PodName(c, ordinal)
	addr := e.World.Address(c.Namespace, pod)
	if ip := net.ParseIP(addr); ip == nil || !ip.IsLoopback() {
		t.Fatalf("member %s address %q", pod, addr)
	}
	for _, name := range []string{specs.MemberHost(c, ordinal, ""), pod} {
		if got, err := e.Dialer.Resolve(name + ":33060"); err != nil || got != addr+":33060" {
			t.Errorf("%s resolves to %q (%v), want %s:33060", name, got, err, addr)
		}
	}
	var p corev1.Pod
	if err := e.Client.Get(context.Background(), client.ObjectKey{Namespace: c.Namespace, Name: pod}, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status.PodIP == "" {
		t.Fatalf("pod %s has no (fake) pod IP", pod)
	}
	if got, err := e.Dialer.Resolve(net.JoinHostPort(p.Status.PodIP, "3306")); err == nil {
		t.Errorf("pod IP %s resolves to %s; pod IPs must never be dialled", p.Status.PodIP, got)
	}
}

func (e *env) checkPodReplacement(t *testing.T, c *v1.InnoDBCluster, ordinal int, members []*mysqlsim.Member,
	password string) {
	ns, pod, host := c.Namespace, specs.PodName(c, ordinal), specs.MemberHost(c, ordinal, "")
	m, peer := members[ordinal], members[(ordinal+1)%len(members)]
	// The operator bootstraps the group and joins the member, writing transactions: wait for it to be ONLINE
	// with some, so that "same GTIDs" means something and a clean leave is visible.
	eventually(t, 90*time.Second, func() error {
		if m.State() != mysqlsim.StateOnline || m.GTIDExecuted().IsEmpty() {
			return fmt.Errorf("member %s is %s with gtid_executed %q (the operator joins it)", pod, m.State(),
				m.GTIDExecuted())
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	xs, err := xprotocol.Dial(ctx, host+":33060", xprotocol.Config{User: "root", Password: password,
		Dial: e.Dialer.DialContext})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = xs.Close() }()
	uuid, incarnation := m.UUID(), m.Incarnation()
	before := m.GTIDExecuted()
	t.Logf("before deleting pod %s: member %s %s/%s, gtid_executed %s", pod, uuid, m.State(), m.Role(), before)

	// With every node cordoned the StatefulSet's new pod stays Pending: the member stays down until uncordon.
	t.Cleanup(func() { e.setCordoned(t, false) }) // registered first: a failed cordon must not leave nodes cordoned
	e.setCordoned(t, true)
	e.deletePod(t, c, ordinal)
	eventually(t, 30*time.Second, func() error {
		if m.Up() {
			return fmt.Errorf("member %s still up", pod)
		}
		return nil
	})
	// A graceful deletion is SIGTERM: mysqld leaves the group before it stops, so its peers drop it from the
	// view at once instead of finding it UNREACHABLE seconds later.
	eventually(t, 2*time.Second, func() error {
		for _, row := range peer.GroupMembers() {
			if row.UUID == uuid {
				return fmt.Errorf("%s still sees %s as %s", peer.Name(), pod, row.State)
			}
		}
		return nil
	})
	select {
	case <-xs.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the X session to the deleted pod's member is still open")
	}
	e.checkUnreachable(t, ns, pod, host, password)

	e.setCordoned(t, false)
	if got := e.runningMember(t, c, ordinal, 60*time.Second); got != m {
		t.Fatalf("pod %s got another member", pod)
	}
	if m.Incarnation() <= incarnation {
		t.Fatalf("incarnation %d, was %d: the member did not restart", m.Incarnation(), incarnation)
	}
	if m.UUID() != uuid || !before.SubsetOf(m.GTIDExecuted()) {
		t.Fatalf("after restart uuid %s gtid_executed %s; before uuid %s gtid_executed %s", m.UUID(),
			m.GTIDExecuted(), uuid, before)
	}
	t.Logf("after the successor pod ran: member %s %s/%s, gtid_executed %s", m.UUID(), m.State(), m.Role(),
		m.GTIDExecuted())
	e.checkIdentity(t, c, ordinal, password, uuid)
}

// checkUnreachable checks that a down member's pod name no longer resolves and nothing listens on its address.
func (e *env) checkUnreachable(t *testing.T, ns, pod, host, password string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	eventually(t, 10*time.Second, func() error {
		if _, err := e.xIdentity(ctx, host, password); err == nil {
			return fmt.Errorf("deleted pod's member %s still answers", host)
		}
		return nil
	})
	addr := e.World.Address(ns, pod)
	for _, port := range []string{"3306", "33060"} {
		if conn, err := net.DialTimeout("tcp", net.JoinHostPort(addr, port), time.Second); err == nil {
			_ = conn.Close()
			t.Errorf("something still listens on %s:%s", addr, port)
		}
	}
	var p corev1.Pod
	if err := e.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: pod}, &p); err == nil &&
		p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
		t.Fatalf("successor pod %s already runs on a cordoned cluster", pod)
	}
}

func (e *env) checkClaimDeletion(t *testing.T, c *v1.InnoDBCluster, ordinal int, m *mysqlsim.Member,
	password string) {
	ns, pod := c.Namespace, specs.PodName(c, ordinal)
	oldUUID := m.UUID()
	t.Cleanup(func() { e.setCordoned(t, false) }) // registered first: a failed cordon must not leave nodes cordoned
	e.setCordoned(t, true)
	claim := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns,
		Name: specs.DatadirVolume + "-" + pod}}
	if err := e.Client.Delete(context.Background(), claim); err != nil {
		t.Fatalf("delete claim: %v", err)
	}
	e.deletePod(t, c, ordinal)
	eventually(t, 60*time.Second, func() error {
		if e.World.Member(ns, pod) != nil {
			return fmt.Errorf("member %s still has its data (up %v)", pod, m.Up())
		}
		return nil
	})
	if m.Up() {
		t.Fatal("the wiped member still runs")
	}
	e.setCordoned(t, false)
	fresh := e.runningMember(t, c, ordinal, 90*time.Second)
	if fresh == m || fresh.UUID() == oldUUID {
		t.Fatalf("pod %s on a new claim kept its old data (uuid %s)", pod, fresh.UUID())
	}
	e.checkIdentity(t, c, ordinal, password, fresh.UUID())
}
