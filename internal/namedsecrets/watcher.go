// Package namedsecrets watches Secrets by name: the user's own Secrets a cluster names (spec.secretName), which
// the operator's cache does not hold (it caches only the Secrets Orca made). Each watched Secret has an informer
// restricted to its name, so reading it costs no request and a Secret created or changed later is seen at once.
package namedsecrets

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// ErrStopped is Get after Start returned: the operator is shutting down and starts no new watch.
var ErrStopped = errors.New("namedsecrets: watcher stopped")

// syncTimeout bounds the wait for a new watch's first list.
const syncTimeout = 10 * time.Second

// Watcher keeps one name-restricted informer per Secret some user (a cluster) reads, and stops it once no user
// reads it any more.
type Watcher struct {
	// Client lists and watches the Secrets.
	Client kubernetes.Interface
	// Notify is called with every user of a Secret that was added, changed or deleted. It must not block.
	Notify func(user types.NamespacedName)

	mu      sync.Mutex
	watches map[types.NamespacedName]*watched
	users   map[types.NamespacedName]types.NamespacedName // user -> the Secret it reads
	stopped bool
}

type watched struct {
	informer cache.SharedIndexInformer
	stop     context.CancelFunc
	users    map[types.NamespacedName]bool
}

// Get returns the Secret as its watch holds it, starting the watch (and waiting for its first list) when the
// user did not read it before. A user reads one Secret: reading another releases the first. A Secret that does
// not exist is a NotFound error; the user is notified when it appears.
func (w *Watcher) Get(ctx context.Context, user, secret types.NamespacedName) (*corev1.Secret, error) {
	wt := w.register(user, secret)
	if wt == nil {
		return nil, fmt.Errorf("read secret %s: %w", secret, ErrStopped)
	}
	if !wt.informer.HasSynced() {
		sctx, cancel := context.WithTimeout(ctx, syncTimeout)
		defer cancel()
		if !cache.WaitForCacheSync(sctx.Done(), wt.informer.HasSynced) {
			return nil, fmt.Errorf("watch secret %s: not synced: %w", secret, sctx.Err())
		}
	}
	obj, ok, err := wt.informer.GetStore().GetByKey(secret.String())
	if err != nil {
		return nil, fmt.Errorf("read watched secret %s: %w", secret, err)
	}
	s, isSecret := obj.(*corev1.Secret)
	if !ok || !isSecret {
		return nil, apierrors.NewNotFound(corev1.Resource("secrets"), secret.Name)
	}
	return s.DeepCopy(), nil
}

// Release stops the user's interest in its Secret; the watch ends with its last user.
func (w *Watcher) Release(user types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.releaseLocked(user)
}

// Watching reports how many Secrets are watched (for tests and metrics).
func (w *Watcher) Watching() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.watches)
}

// Start runs until ctx ends, then stops every watch. It is a controller-runtime Runnable.
func (w *Watcher) Start(ctx context.Context) error {
	<-ctx.Done()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, wt := range w.watches {
		wt.stop()
	}
	// A cluster loop still finishing its pass during the shutdown grace must not start a watch nobody stops.
	w.watches, w.users, w.stopped = nil, nil, true
	return nil
}

// NeedLeaderElection is false: the reconciler of every replica may read the Secrets.
func (w *Watcher) NeedLeaderElection() bool { return false }

// register adds the user to the Secret's watch, starting the watch if needed; nil once the watcher stopped.
func (w *Watcher) register(user, secret types.NamespacedName) *watched {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return nil
	}
	if w.watches == nil {
		w.watches, w.users = map[types.NamespacedName]*watched{}, map[types.NamespacedName]types.NamespacedName{}
	}
	if prev, ok := w.users[user]; ok && prev != secret {
		w.releaseLocked(user)
	}
	wt, ok := w.watches[secret]
	if !ok {
		wt = w.newWatch(secret)
		w.watches[secret] = wt
	}
	wt.users[user] = true
	w.users[user] = secret
	return wt
}

func (w *Watcher) releaseLocked(user types.NamespacedName) {
	secret, ok := w.users[user]
	if !ok {
		return
	}
	delete(w.users, user)
	wt := w.watches[secret]
	if wt == nil {
		return
	}
	delete(wt.users, user)
	if len(wt.users) == 0 {
		wt.stop()
		delete(w.watches, secret)
	}
}

// newWatch starts an informer on the one Secret (a field selector on its name) that notifies its users.
func (w *Watcher) newWatch(secret types.NamespacedName) *watched {
	secrets := w.Client.CoreV1().Secrets(secret.Namespace)
	byName := fields.OneTermEqualSelector("metadata.name", secret.Name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = byName
			return secrets.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = byName
			return secrets.Watch(ctx, o)
		},
	}
	ctx, stop := context.WithCancel(context.Background())
	wt := &watched{informer: cache.NewSharedIndexInformer(lw, &corev1.Secret{}, 0, cache.Indexers{}),
		stop: stop, users: map[types.NamespacedName]bool{}}
	notify := func(any) { w.notify(secret) }
	_, _ = wt.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: notify,
		UpdateFunc: func(_, obj any) { notify(obj) }, DeleteFunc: notify})
	go wt.informer.RunWithContext(ctx)
	return wt
}

func (w *Watcher) notify(secret types.NamespacedName) {
	if w.Notify == nil {
		return
	}
	w.mu.Lock()
	var users []types.NamespacedName
	if wt := w.watches[secret]; wt != nil {
		for u := range wt.users {
			users = append(users, u)
		}
	}
	w.mu.Unlock()
	for _, u := range users {
		w.Notify(u)
	}
}
