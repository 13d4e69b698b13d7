package migrate

import (
	"context"
	"errors"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestDecideLease(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	held := func(holder string, renewedAgo time.Duration) *coordinationv1.Lease {
		at := metav1.NewMicroTime(now.Add(-renewedAgo))
		return &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(holder),
			LeaseDurationSeconds: ptr.To(int32(15)), RenewTime: &at}}
	}
	cases := []struct {
		name  string
		lease *coordinationv1.Lease
		want  leaseDecision
	}{
		{"free", &coordinationv1.Lease{}, leaseTake},
		{"released", held("", time.Second), leaseTake},
		{"mine, after a restart", held("pod-a", time.Second), leaseTake},
		{"another's, renewed 14s ago", held("pod-b", 14*time.Second), leaseWait},
		{"another's, expired", held("pod-b", 16*time.Second), leaseTake},
	}
	for _, c := range cases {
		if got := decideLease(c.lease, "pod-a", now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestLeaseHandOver on a real API server: a second holder waits while the first renews, takes the Lease once
// the first stops renewing (its pod died) with a larger fencing token, and the first then fails its check.
func TestLeaseHandOver(t *testing.T) {
	k := apiServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a := &Lease{Client: k, Namespace: "default", Name: "handover", Holder: "pod-a", Duration: 2 * time.Second}
	if err := a.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Check(ctx); err != nil || a.Token() != 1 {
		t.Fatalf("first holder: token %d, %v", a.Token(), err)
	}
	actx, stopA := context.WithCancel(ctx)
	go a.Keep(actx)
	b := &Lease{Client: k, Namespace: "default", Name: "handover", Holder: "pod-b", Duration: 2 * time.Second}
	wctx, wcancel := context.WithTimeout(ctx, 3*time.Second)
	err := b.Acquire(wctx)
	wcancel()
	if err == nil {
		t.Fatal("the second holder took a Lease that was being renewed")
	}
	stopA() // pod-a dies: no more renewals
	if err := b.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Token() != 2 {
		t.Fatalf("second holder's token %d, want 2", b.Token())
	}
	if err := a.Check(ctx); !errors.Is(err, ErrLockLost) {
		t.Fatalf("first holder after the hand-over: %v", err)
	}
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
	c := &Lease{Client: k, Namespace: "default", Name: "handover", Holder: "pod-c", Duration: 2 * time.Second}
	if err := c.Acquire(ctx); err != nil || c.Token() != 3 {
		t.Fatalf("after a release: token %d, %v", c.Token(), err)
	}
}
