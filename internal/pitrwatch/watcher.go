package pitrwatch

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/backup/pitr"
	"github.com/orca-operator/orca/internal/clusterstatus"
	"github.com/orca-operator/orca/internal/events"
)

// Defaults of Watcher.
const (
	DefaultInterval = 15 * time.Second
	DefaultTimeout  = 30 * time.Second
)

// StoreFunc opens a cluster's backup store from its storage and the credentials of its Secret.
type StoreFunc func(s v1.S3Storage, accessKey, secretKey string) (backup.Store, error)

// Watcher is a controller-runtime Runnable (leader only) that reads every PITR-enabled cluster's archive each
// Interval and writes the chain's health into the cluster's status.
type Watcher struct {
	// Client lists clusters and writes their status.
	Client client.Client
	// Secrets reads the storage credentials Secret (a user's Secret, not in the cache); Client when nil.
	Secrets client.Reader
	// Interval is the period between two reads of an archive. Default 15 s.
	Interval time.Duration
	// Timeout bounds reading one archive. Default 30 s.
	Timeout time.Duration
	// OpenStore opens a store; S3 when nil.
	OpenStore StoreFunc
	// Now is the clock the archiver's heartbeat is judged by; time.Now when nil.
	Now func() time.Time
	// Log receives read errors. Default: discard.
	Log logr.Logger
	// Recorder emits an event on the cluster when the chain breaks or heals and when segments expire; nil
	// emits none.
	Recorder recorder.EventRecorder

	caches map[types.NamespacedName]*archiveCache
}

// archiveCache is what a cluster's previous reads left: its storage and the index entries read.
type archiveCache struct {
	storage v1.S3Storage
	index   pitr.IndexCache
}

// NeedLeaderElection makes only the leader write the status.
func (w *Watcher) NeedLeaderElection() bool { return true }

// Start reads every archive at once and then each Interval, until ctx ends.
func (w *Watcher) Start(ctx context.Context) error {
	tick := time.NewTicker(orDefault(w.Interval, DefaultInterval))
	defer tick.Stop()
	for {
		w.Pass(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Pass observes every cluster once: with PITR, its archive's health; without, status.pitr is cleared.
func (w *Watcher) Pass(ctx context.Context) {
	var list v1.InnoDBClusterList
	if err := w.Client.List(ctx, &list); err != nil {
		w.Log.Error(err, "list clusters for their PITR archives")
		return
	}
	live := map[types.NamespacedName]bool{}
	for i := range list.Items {
		c := &list.Items[i]
		k := client.ObjectKeyFromObject(c)
		live[k] = true
		if err := w.observe(ctx, c); err != nil && ctx.Err() == nil {
			w.Log.Error(err, "write the PITR chain's health", "cluster", k)
		}
	}
	for k := range w.caches {
		if !live[k] {
			delete(w.caches, k)
		}
	}
}

func (w *Watcher) observe(ctx context.Context, c *v1.InnoDBCluster) error {
	k := client.ObjectKeyFromObject(c)
	if !c.PITREnabled() || !c.DeletionTimestamp.IsZero() {
		delete(w.caches, k)
		if c.Status.PITR == nil && meta.FindStatusCondition(c.Status.Conditions,
			string(v1.ConditionPITRChainHealthy)) == nil {
			return nil
		}
		_, err := clusterstatus.Update(ctx, w.Client, k, applyDisabled)
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, orDefault(w.Timeout, DefaultTimeout))
	defer cancel()
	p := c.Spec.Backup.PITR
	a, err := w.read(rctx, k, c.Namespace, p.Storage.S3)
	mutate := func(cl *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) { applyUnreadable(cl, s, err.Error()) }
	var h pitr.Health
	if err == nil {
		h = pitr.Judge(pitr.Analyze(a.segs, a.present), a.hb, w.now(), p.MaxArchiverDowntimeOrDefault())
		mutate = func(cl *v1.InnoDBCluster, s *v1.InnoDBClusterStatus) { applyHealth(cl, s, h) }
	} else {
		w.Log.Error(err, "read the PITR archive", "cluster", k)
	}
	before := clusterstatus.ConditionStatus(&c.Status, v1.ConditionPITRChainHealthy)
	if _, uerr := clusterstatus.Update(ctx, w.Client, k, mutate); uerr != nil || err != nil {
		return uerr
	}
	w.emitTransition(c, before, h)
	return w.retain(rctx, c, a)
}

// emitTransition records the chain breaking or healing (not every pass that finds it so).
func (w *Watcher) emitTransition(c *v1.InnoDBCluster, before metav1.ConditionStatus, h pitr.Health) {
	switch {
	case !h.Healthy && h.Reason != pitr.HealthArchiveEmpty && before != metav1.ConditionFalse:
		events.Emit(w.Recorder, c, nil, events.PITRChainBroken, "%s: %s", reason(h.Reason), h.Message)
	case h.Healthy && before == metav1.ConditionFalse:
		events.Emit(w.Recorder, c, nil, events.PITRChainHealthy, "%s", h.Message)
	}
}

// archive is what one read of a cluster's archive found.
type archive struct {
	store   backup.Store
	segs    []pitr.Segment
	present map[string]bool
	hb      *pitr.Heartbeat
}

// read loads the archive's index (only the entries not read before) and the archiver's heartbeat.
func (w *Watcher) read(ctx context.Context, k types.NamespacedName, ns string, s3 v1.S3Storage) (archive, error) {
	st, err := w.store(ctx, ns, s3)
	if err != nil {
		return archive{}, err
	}
	a := archive{store: st}
	if a.segs, a.present, err = w.cache(k, s3).index.Load(ctx, st); err != nil {
		return archive{}, err
	}
	if a.hb, err = pitr.LoadHeartbeat(ctx, st); err != nil {
		return archive{}, err
	}
	return a, nil
}

func (w *Watcher) cache(k types.NamespacedName, s3 v1.S3Storage) *archiveCache {
	if w.caches == nil {
		w.caches = map[types.NamespacedName]*archiveCache{}
	}
	c := w.caches[k]
	if c == nil || c.storage != s3 {
		c = &archiveCache{storage: s3}
		w.caches[k] = c
	}
	return c
}

// store opens the cluster's store with the credentials of its Secret.
func (w *Watcher) store(ctx context.Context, ns string, s3 v1.S3Storage) (backup.Store, error) {
	r := w.Secrets
	if r == nil {
		r = w.Client
	}
	var sec corev1.Secret
	if err := r.Get(ctx, types.NamespacedName{Namespace: ns, Name: s3.CredentialsSecret}, &sec); err != nil {
		return nil, fmt.Errorf("read the storage credentials Secret %s: %w", s3.CredentialsSecret, err)
	}
	open := w.OpenStore
	if open == nil {
		open = OpenS3
	}
	st, err := open(s3, string(sec.Data[v1.KeyS3AccessKeyID]), string(sec.Data[v1.KeyS3SecretAccessKey]))
	if err != nil {
		return nil, fmt.Errorf("open the storage s3://%s/%s: %w", s3.Bucket, s3.Prefix, err)
	}
	return st, nil
}

// OpenS3 is the StoreFunc of S3 storage.
func OpenS3(s v1.S3Storage, accessKey, secretKey string) (backup.Store, error) {
	return backup.NewS3Store(backup.S3Config{Bucket: s.Bucket, Prefix: s.Prefix, Region: s.Region,
		Endpoint: s.Endpoint, PathStyle: s.PathStyle, AccessKey: accessKey, SecretKey: secretKey})
}

func (w *Watcher) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
