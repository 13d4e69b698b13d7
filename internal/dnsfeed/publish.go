package dnsfeed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/dnssrv/rfc2136"
	"github.com/orca-operator/orca/internal/clusterstatus"
)

// Keys of the TSIG key Secret.
const (
	SecretKeyName = "keyName"
	SecretKey     = "secret"
)

// Publisher copies each new zone into an external DNS server with RFC 2136 (rfc2136.Publisher), on the
// leader only (one writer), and reports the outcome as every cluster's DNSPublished condition.
type Publisher struct {
	// Client lists the clusters and writes their status.
	Client client.Client
	// APIReader reads the key Secret (the cache holds only Orca's own Secrets).
	APIReader client.Reader
	// Server is the DNS primary's host:port; Zone the zone it holds (Orca's --dns-zone).
	Server, Zone string
	// KeySecret names the Secret with keyName and secret (base64, hmac-sha256).
	KeySecret types.NamespacedName
	// Resync is the period of a sync without a change (drift repair). Default 30s.
	Resync time.Duration
	// Log is the logger. Default: discards.
	Log logr.Logger

	latest atomic.Pointer[dnssrv.Zone]
	once   sync.Once
	wake   chan struct{}
	pub    *rfc2136.Publisher
}

func (p *Publisher) wakeup() chan struct{} {
	p.once.Do(func() { p.wake = make(chan struct{}, 1) })
	return p.wake
}

// Notify hands over a new zone; it never blocks.
func (p *Publisher) Notify(z *dnssrv.Zone) {
	p.latest.Store(z)
	select {
	case p.wakeup() <- struct{}{}:
	default:
	}
}

// NeedLeaderElection is true: one replica writes.
func (p *Publisher) NeedLeaderElection() bool { return true }

// Start syncs on every new zone and every Resync, and sooner again after a failure, until ctx ends.
func (p *Publisher) Start(ctx context.Context) error {
	resync := p.Resync
	if resync <= 0 {
		resync = 30 * time.Second
	}
	wait := resync
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.wakeup():
		case <-time.After(wait):
		}
		wait = resync
		if err := p.syncOnce(ctx); err != nil && ctx.Err() == nil {
			wait = min(5*time.Second, resync)
			p.Log.Error(err, "publish dns records", "server", p.Server, "zone", p.Zone)
		}
	}
}

// syncOnce publishes the latest zone and records the outcome on every cluster.
func (p *Publisher) syncOnce(ctx context.Context) error {
	z := p.latest.Load()
	if z == nil {
		return nil
	}
	err := p.sync(ctx, z)
	status, reason, msg := Outcome(err, p.Server)
	if cerr := p.setConditions(ctx, status, reason, msg); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

func (p *Publisher) sync(ctx context.Context, z *dnssrv.Zone) error {
	name, secret, err := p.readKey(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", rfc2136.ErrTSIG, err)
	}
	if p.pub == nil || p.pub.KeyName != name || p.pub.Secret != secret {
		p.pub = &rfc2136.Publisher{Server: p.Server, Zone: p.Zone, KeyName: name, Secret: secret}
	}
	_, err = p.pub.Sync(ctx, z.Records())
	return err
}

func (p *Publisher) readKey(ctx context.Context) (string, string, error) {
	return readTSIGKey(ctx, p.APIReader, p.KeySecret)
}

// readTSIGKey reads a TSIG key Secret: the key's name and its base64 secret (hmac-sha256).
func readTSIGKey(ctx context.Context, r client.Reader, key types.NamespacedName) (string, string, error) {
	var s corev1.Secret
	if err := r.Get(ctx, key, &s); err != nil {
		return "", "", fmt.Errorf("read TSIG key secret %s: %w", key, err)
	}
	name, secret := string(s.Data[SecretKeyName]), string(s.Data[SecretKey])
	if name == "" || secret == "" {
		return "", "", fmt.Errorf("TSIG key secret %s lacks %s or %s", key, SecretKeyName, SecretKey)
	}
	return name, secret, nil
}

// Outcome is the DNSPublished condition for a sync's error.
func Outcome(err error, server string) (metav1.ConditionStatus, v1.ConditionReason, string) {
	switch {
	case err == nil:
		return metav1.ConditionTrue, v1.ReasonDNSPublished, "the records are on " + server
	case errors.Is(err, rfc2136.ErrTSIG):
		return metav1.ConditionFalse, v1.ReasonDNSTSIGError, err.Error()
	case errors.Is(err, rfc2136.ErrRefused):
		return metav1.ConditionFalse, v1.ReasonDNSUpdateRefused, err.Error()
	case errors.Is(err, rfc2136.ErrConflict):
		return metav1.ConditionFalse, v1.ReasonDNSConflict, err.Error()
	default:
		return metav1.ConditionFalse, v1.ReasonDNSUnreachable, err.Error()
	}
}

func (p *Publisher) setConditions(ctx context.Context, status metav1.ConditionStatus, reason v1.ConditionReason,
	msg string) error {
	var list v1.InnoDBClusterList
	if err := p.Client.List(ctx, &list); err != nil {
		return fmt.Errorf("list clusters: %w", err)
	}
	var errs []error
	for i := range list.Items {
		key := client.ObjectKeyFromObject(&list.Items[i])
		_, err := clusterstatus.Update(ctx, p.Client, key, func(c *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) {
			clusterstatus.SetCondition(s, c.Generation, v1.ConditionDNSPublished, status, reason, msg)
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
