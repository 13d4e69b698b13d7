package e2e

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/topology"
	"github.com/orca-operator/orca/xprotocol"
)

// member returns the simulated member of one of the cluster's pods.
func (c *cluster) member(pod string) *mysqlsim.Member {
	c.t.Helper()
	m := c.h.World.Member(c.obj.Namespace, pod)
	if m == nil {
		c.t.Fatalf("pod %s has no simulated member", pod)
	}
	return m
}

// pod names the pod of one ordinal.
func (c *cluster) pod(ordinal int) string { return specs.PodName(c.obj, ordinal) }

// secondaries lists the pods that are not primary, in ordinal order.
func (c *cluster) secondaries(primary string) []string {
	var out []string
	for i := 0; i < int(c.get().Spec.Instances); i++ {
		if p := c.pod(i); p != primary {
			out = append(out, p)
		}
	}
	return out
}

// incarnations counts the boots of every member, by pod.
func (c *cluster) incarnations() map[string]int {
	out := map[string]int{}
	for name := range c.pods() {
		out[name] = c.member(name).Incarnation()
	}
	return out
}

// podUIDs maps each pod to its uid: a changed uid is a replaced pod.
func (c *cluster) podUIDs() map[string]types.UID {
	out := map[string]types.UID{}
	for name, p := range c.pods() {
		out[name] = p.UID
	}
	return out
}

// patch applies change to the cluster as a merge patch (spec or annotations).
func (c *cluster) patch(change func(*v1.InnoDBCluster)) {
	c.t.Helper()
	got := c.get()
	p := client.MergeFrom(got.DeepCopy())
	change(got)
	if err := c.h.Client.Patch(context.Background(), got, p); err != nil {
		c.t.Fatalf("patch cluster: %v", err)
	}
}

func (c *cluster) annotate(key, value string) {
	c.t.Helper()
	c.patch(func(ic *v1.InnoDBCluster) {
		if ic.Annotations == nil {
			ic.Annotations = map[string]string{}
		}
		ic.Annotations[key] = value
	})
}

func (c *cluster) annotationGone(key string) error {
	if v, ok := c.get().Annotations[key]; ok {
		return fmt.Errorf("annotation %s=%q not removed", key, v)
	}
	return nil
}

// condition returns one of the cluster's conditions (nil when unset).
func (c *cluster) condition(typ v1.ConditionType) *metav1.Condition {
	return meta.FindStatusCondition(c.get().Status.Conditions, string(typ))
}

func condString(cond *metav1.Condition) string {
	if cond == nil {
		return "<unset>"
	}
	return fmt.Sprintf("%s/%s: %s", cond.Status, cond.Reason, cond.Message)
}

// memberState is the state the cluster's status reports for a pod ("" when it is not listed).
func (c *cluster) memberState(pod string) string {
	for _, m := range c.get().Status.Members {
		if m.Pod == pod {
			return m.State
		}
	}
	return ""
}

// write commits n transactions on the member (account changes are binlogged and replicated like data).
func (c *cluster) write(m *mysqlsim.Member, n int) {
	c.t.Helper()
	c.exec(m, func(i int) string {
		return fmt.Sprintf("CREATE USER 'app_%d_%d'@'%%' IDENTIFIED BY 'x'", time.Now().UnixNano(), i)
	}, n)
}

// exec runs n statements as root on the member.
func (c *cluster) exec(m *mysqlsim.Member, stmt func(i int) string, n int) {
	c.t.Helper()
	s, err := m.RootSession()
	if err != nil {
		c.t.Fatalf("session on %s: %v", m.Name(), err)
	}
	defer s.Close()
	for i := 0; i < n; i++ {
		if _, err := m.Exec(context.Background(), s, stmt(i)); err != nil {
			c.t.Fatalf("%s on %s: %v", stmt(i), m.Name(), err)
		}
	}
}

// secret reads one key of a Secret of the cluster.
func (c *cluster) secret(name, key string) string {
	c.t.Helper()
	var s corev1.Secret
	if err := c.h.Client.Get(context.Background(), client.ObjectKey{Namespace: c.obj.Namespace, Name: name},
		&s); err != nil {
		c.t.Fatalf("read secret %s: %v", name, err)
	}
	return string(s.Data[key])
}

// xPing logs in to a pod's member over the X Protocol through the harness dialer (as the operator does) and
// pings it.
func (c *cluster) xPing(ctx context.Context, pod, password string) error {
	ord, err := specs.Ordinal(pod)
	if err != nil {
		return err
	}
	host := specs.MemberHost(c.obj, ord, "") // pod names repeat across namespaces, DNS names do not
	s, err := xprotocol.Dial(ctx, net.JoinHostPort(host, "33060"), xprotocol.Config{User: "root",
		Password: password, Dial: c.h.World.Dialer().DialContext})
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	return s.Ping(ctx)
}

// actionKinds are the event reasons of the cluster loop's actions (topology.ActionKind).
var actionKinds = map[topology.ActionKind]bool{topology.ActionBootstrapGroup: true, topology.ActionRebootGroup: true,
	topology.ActionForceQuorum: true, topology.ActionJoinMember: true, topology.ActionRejoinMember: true,
	topology.ActionCloneMember: true, topology.ActionRemoveMember: true, topology.ActionSwitchover: true,
	topology.ActionUpgradeMember: true, topology.ActionMoveMember: true}

// actionNotes lists the action events Orca's cluster loop emitted on the cluster at or after since, as
// "Kind: message", oldest first. Events are written asynchronously, so they are told apart by time, not by a
// snapshot.
func (c *cluster) actionNotes(since time.Time) []string {
	c.t.Helper()
	var list eventsv1.EventList
	if err := c.h.Client.List(context.Background(), &list, client.InNamespace(c.obj.Namespace)); err != nil {
		c.t.Fatalf("list events: %v", err)
	}
	slices.SortFunc(list.Items, func(a, b eventsv1.Event) int { return a.EventTime.Compare(b.EventTime.Time) })
	var out []string
	for _, e := range list.Items {
		last := e.EventTime.Time
		if e.Series != nil {
			last = e.Series.LastObservedTime.Time
		}
		if actionKinds[topology.ActionKind(e.Reason)] && e.Regarding.Name == c.obj.Name && !last.Before(since) {
			out = append(out, e.Reason+": "+e.Note)
		}
	}
	return out
}

// logged reports whether the member's error log has a line with the code (MY-011651...) containing text,
// written at or after since.
func logged(m *mysqlsim.Member, since time.Time, code, text string) bool {
	for _, e := range m.ErrorLog() {
		if !e.Time.Before(since) && e.ErrorCode == code && strings.Contains(e.Data, text) {
			return true
		}
	}
	return false
}
