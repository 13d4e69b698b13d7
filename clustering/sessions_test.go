package clustering

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/topology"
)

// countingConnector opens fakeInstances and counts them; failing makes the next Status of every open one fail.
type countingConnector struct {
	opened    []*fakeInstance
	denyAdmin bool // the members do not know the operator's account yet
}

func (c *countingConnector) Connect(_ context.Context, _ string, _ int, a mysqladmin.Account, _ *tls.Config) (
	mysqladmin.Instance, error) {
	if c.denyAdmin && a.User == "orca" {
		err := fmt.Errorf("%w: orca", mysqladmin.ErrAccessDenied)
		return mysqladmin.Unreachable{Err: err}, err
	}
	in := &fakeInstance{n: len(c.opened) + 1}
	c.opened = append(c.opened, in)
	return in, nil
}

// fakeInstance answers Status with its number as the server UUID until broken.
type fakeInstance struct {
	mysqladmin.Instance // not called: the methods the tests reach are below
	n                   int
	broken, closed      bool
}

func (f *fakeInstance) Status(context.Context) (*topology.MemberStatus, error) {
	if f.broken || f.closed {
		return nil, errors.New("session closed by the server")
	}
	return &topology.MemberStatus{ServerUUID: fmt.Sprint(f.n)}, nil
}

func (f *fakeInstance) Close() error {
	f.closed = true
	return nil
}

func sessionsFixture() (*countingConnector, SQLExecutor, *ClusterInfo) {
	conn := &countingConnector{}
	c := &ClusterInfo{Key: types.NamespacedName{Namespace: "ns", Name: "db"},
		Credentials: Credentials{RootUser: "root", RootPassword: "pw", AdminUser: "orca", AdminPassword: "apw"},
		Hosts:       map[string]string{"db-0": "db-0.db-instances.ns.svc", "db-1": "db-1.db-instances.ns.svc"}}
	return conn, SQLExecutor{Connector: conn, Sessions: &Sessions{}}, c
}

func statusOf(t *testing.T, e SQLExecutor, c *ClusterInfo, pod string) string {
	t.Helper()
	st, err := e.Status(context.Background(), c, pod)
	if err != nil {
		t.Fatal(err)
	}
	return st.ServerUUID
}

// Passes reading a member's status reuse one session; each member has its own.
func TestStatusReusesTheMembersSession(t *testing.T) {
	conn, e, c := sessionsFixture()
	for range 3 {
		if got := statusOf(t, e, c, "db-0"); got != "1" {
			t.Fatalf("status from session %s, want the first", got)
		}
	}
	statusOf(t, e, c, "db-1")
	if len(conn.opened) != 2 || e.Sessions.len() != 2 {
		t.Fatalf("%d sessions opened, %d kept; want 2 and 2", len(conn.opened), e.Sessions.len())
	}
}

// A kept session that fails is closed and the status read on a new one: the answer a new connection gets.
func TestStatusOnABrokenSessionAsksANewOne(t *testing.T) {
	conn, e, c := sessionsFixture()
	statusOf(t, e, c, "db-0")
	conn.opened[0].broken = true
	if got := statusOf(t, e, c, "db-0"); got != "2" || !conn.opened[0].closed {
		t.Fatalf("status from session %s (first closed: %v), want a second session", got, conn.opened[0].closed)
	}
}

// New credentials or a new trust bundle open a new session; the old one is closed.
func TestStatusAfterACredentialChangeOpensANewSession(t *testing.T) {
	conn, e, c := sessionsFixture()
	statusOf(t, e, c, "db-0")
	c.Credentials.AdminPassword = "rotated"
	if got := statusOf(t, e, c, "db-0"); got != "2" || !conn.opened[0].closed {
		t.Fatalf("status from session %s after rotation, want a new session and the old one closed", got)
	}
	c.Trust.Bundle = []byte("another CA")
	if got := statusOf(t, e, c, "db-0"); got != "3" {
		t.Fatalf("status from session %s after a new trust bundle, want a new session", got)
	}
}

// Forgetting a cluster (Manager.Forget) closes its sessions only; a session returned by a pass whose loop was cancelled (the
// cluster forgotten meanwhile) is closed, not kept.
func TestForgetClosesTheClustersSessions(t *testing.T) {
	conn, e, c := sessionsFixture()
	other := &ClusterInfo{Key: types.NamespacedName{Namespace: "ns2", Name: "db"}, Hosts: c.Hosts}
	statusOf(t, e, c, "db-0")
	statusOf(t, e, other, "db-0")
	(&Manager{Executor: e}).Forget(c.Key)
	if !conn.opened[0].closed || conn.opened[1].closed || e.Sessions.len() != 1 {
		t.Fatalf("after Forget: closed %v %v, %d kept; want the forgotten cluster's closed only",
			conn.opened[0].closed, conn.opened[1].closed, e.Sessions.len())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	late := &fakeInstance{}
	e.Sessions.put(ctx, memberKey{cluster: c.Key, pod: "db-1"}, "id", late)
	if !late.closed || e.Sessions.len() != 1 {
		t.Fatal("a session returned after its loop was cancelled was kept")
	}
	e.Close()
	if !conn.opened[1].closed || e.Sessions.len() != 0 {
		t.Fatal("Close left a session open")
	}
}

// Without Sessions every read opens and closes its own session.
func TestStatusWithoutSessionsClosesEach(t *testing.T) {
	conn, e, c := sessionsFixture()
	e.Sessions = nil
	statusOf(t, e, c, "db-0")
	statusOf(t, e, c, "db-0")
	if len(conn.opened) != 2 || !conn.opened[0].closed || !conn.opened[1].closed {
		t.Fatalf("%d sessions opened; want 2, both closed", len(conn.opened))
	}
}

// A session that fell back to root (the member lacks the operator's account) is closed after its read: the
// next pass tries the account again.
func TestRootFallbackSessionIsNotKept(t *testing.T) {
	conn, e, c := sessionsFixture()
	conn.denyAdmin = true
	statusOf(t, e, c, "db-0")
	if len(conn.opened) != 1 || !conn.opened[0].closed || e.Sessions.len() != 0 {
		t.Fatalf("%d opened, kept %d: want the root session closed", len(conn.opened), e.Sessions.len())
	}
	conn.denyAdmin = false
	statusOf(t, e, c, "db-0")
	if e.Sessions.len() != 1 {
		t.Fatal("the operator's account's session was not kept")
	}
}
