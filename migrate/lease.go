package migrate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DefaultLeaseDuration is how long a Lease outlives its holder's last renewal: a runner's pod that dies frees
// the lock within this time (renewals come every third of it).
const DefaultLeaseDuration = 15 * time.Second

// Lease is the migration lock of one cluster: a coordination.k8s.io Lease. Every acquisition increments
// spec.leaseTransitions, which is the fencing token. A holder that restarts (the same pod) takes its own Lease
// back at once; another holder waits until the Lease expires.
type Lease struct {
	// Client reads and writes the Lease.
	Client client.Client
	// Namespace and Name identify the Lease.
	Namespace, Name string
	// Holder is this runner's identity, the pod's name.
	Holder string
	// Duration is the Lease's duration. Default DefaultLeaseDuration.
	Duration time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time

	mu      sync.Mutex
	token   int64
	renewed time.Time
	lost    error
}

// leaseDecision is what an acquirer does with the Lease it observed.
type leaseDecision int

const (
	leaseWait leaseDecision = iota
	leaseTake
)

// decideLease takes a Lease that is free, expired, or already held by holder; it waits otherwise.
func decideLease(l *coordinationv1.Lease, holder string, now time.Time) leaseDecision {
	spec := l.Spec
	if spec.HolderIdentity == nil || *spec.HolderIdentity == "" || *spec.HolderIdentity == holder {
		return leaseTake
	}
	if spec.RenewTime == nil || spec.LeaseDurationSeconds == nil {
		return leaseTake
	}
	expiry := spec.RenewTime.Add(time.Duration(*spec.LeaseDurationSeconds) * time.Second)
	if now.After(expiry) {
		return leaseTake
	}
	return leaseWait
}

func (l *Lease) duration() time.Duration {
	if l.Duration <= 0 {
		return DefaultLeaseDuration
	}
	return l.Duration
}

func (l *Lease) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// Acquire takes the Lease, polling every second while another holder has it, until ctx ends.
func (l *Lease) Acquire(ctx context.Context) error {
	for {
		took, err := l.tryAcquire(ctx)
		if err != nil && !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) {
			return err
		}
		if took {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for lease %s/%s: %w", l.Namespace, l.Name, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

func (l *Lease) tryAcquire(ctx context.Context) (bool, error) {
	var cur coordinationv1.Lease
	err := l.Client.Get(ctx, client.ObjectKey{Namespace: l.Namespace, Name: l.Name}, &cur)
	switch {
	case apierrors.IsNotFound(err):
		cur = coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: l.Namespace, Name: l.Name}}
		l.fill(&cur)
		if err := l.Client.Create(ctx, &cur); err != nil {
			return false, fmt.Errorf("create lease %s: %w", l.Name, err)
		}
	case err != nil:
		return false, fmt.Errorf("read lease %s: %w", l.Name, err)
	case decideLease(&cur, l.Holder, l.now()) == leaseWait:
		return false, nil
	default:
		l.fill(&cur)
		if err := l.Client.Update(ctx, &cur); err != nil {
			return false, fmt.Errorf("take lease %s: %w", l.Name, err)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.token, l.renewed, l.lost = int64(*cur.Spec.LeaseTransitions), l.now(), nil
	return true, nil
}

// fill makes the Lease this holder's, with the next fencing token.
func (l *Lease) fill(cur *coordinationv1.Lease) {
	now := metav1.NewMicroTime(l.now())
	cur.Spec.HolderIdentity = ptr.To(l.Holder)
	cur.Spec.LeaseDurationSeconds = ptr.To(int32(l.duration() / time.Second))
	cur.Spec.AcquireTime, cur.Spec.RenewTime = &now, &now
	cur.Spec.LeaseTransitions = ptr.To(ptr.Deref(cur.Spec.LeaseTransitions, 0) + 1)
}

// Token is the fencing token of the last acquisition.
func (l *Lease) Token() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.token
}

// Check returns ErrLockLost when a renewal failed or the last one is older than the Lease's duration, and
// otherwise reads the Lease: it must still name this holder and token.
func (l *Lease) Check(ctx context.Context) error {
	l.mu.Lock()
	token, renewed, lost := l.token, l.renewed, l.lost
	l.mu.Unlock()
	if lost != nil {
		return lost
	}
	if l.now().Sub(renewed) >= l.duration() {
		return fmt.Errorf("lease %s not renewed for %s: %w", l.Name, l.duration(), ErrLockLost)
	}
	var cur coordinationv1.Lease
	if err := l.Client.Get(ctx, client.ObjectKey{Namespace: l.Namespace, Name: l.Name}, &cur); err != nil {
		return fmt.Errorf("read lease %s: %w", l.Name, err)
	}
	if ptr.Deref(cur.Spec.HolderIdentity, "") != l.Holder || int64(ptr.Deref(cur.Spec.LeaseTransitions, 0)) != token {
		return fmt.Errorf("lease %s is held by %q with token %d: %w", l.Name, ptr.Deref(cur.Spec.HolderIdentity, ""),
			ptr.Deref(cur.Spec.LeaseTransitions, 0), ErrLockLost)
	}
	return nil
}

// Keep renews the Lease every third of its duration until ctx ends. A renewal that finds the Lease taken marks
// it lost, and Check then fails.
func (l *Lease) Keep(ctx context.Context) {
	t := time.NewTicker(l.duration() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			l.renew(ctx)
		}
	}
}

func (l *Lease) renew(ctx context.Context) {
	if err := l.Check(ctx); err != nil {
		if errors.Is(err, ErrLockLost) {
			l.markLost(err)
		}
		return
	}
	var cur coordinationv1.Lease
	if err := l.Client.Get(ctx, client.ObjectKey{Namespace: l.Namespace, Name: l.Name}, &cur); err != nil {
		return // transient: Check fails once the duration passes without a renewal
	}
	now := metav1.NewMicroTime(l.now())
	cur.Spec.RenewTime = &now
	if err := l.Client.Update(ctx, &cur); err == nil {
		l.mu.Lock()
		l.renewed = now.Time
		l.mu.Unlock()
	}
}

func (l *Lease) markLost(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost == nil {
		l.lost = err
	}
}

// Release empties the Lease's holder so the next runner takes it at once.
func (l *Lease) Release(ctx context.Context) error {
	var cur coordinationv1.Lease
	if err := l.Client.Get(ctx, client.ObjectKey{Namespace: l.Namespace, Name: l.Name}, &cur); err != nil {
		return fmt.Errorf("read lease %s: %w", l.Name, err)
	}
	if ptr.Deref(cur.Spec.HolderIdentity, "") != l.Holder {
		return nil
	}
	cur.Spec.HolderIdentity = nil
	if err := l.Client.Update(ctx, &cur); err != nil {
		return fmt.Errorf("release lease %s: %w", l.Name, err)
	}
	return nil
}
