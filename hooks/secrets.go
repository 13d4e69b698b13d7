package hooks

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// SecretWatch reads Secrets from a watch by name, at no request per read: namedsecrets.Watcher. The user is
// the hook reading the Secret.
type SecretWatch interface {
	// Get returns the Secret as its watch holds it, starting the watch on the user's first read.
	Get(ctx context.Context, user, secret types.NamespacedName) (*corev1.Secret, error)
	// Release ends the user's interest (the hook is gone); the watch stops with its last user.
	Release(user types.NamespacedName)
}

// rereadInterval bounds how often a Secret is read from the API server because deliveries failed against the
// watched copy: a flood of bad signatures costs at most one read per Secret per interval.
const rereadInterval = time.Second

// rotations are Secrets read from the API server after a delivery failed against the watched copy and found
// changed. Each is keyed by the resourceVersion the watch showed then: it replaces the watched copy while the
// watch still shows that version, and is dropped once the watch moves on (it has seen the rotation).
type rotations struct {
	mu   sync.Mutex
	m    map[types.NamespacedName]rotation
	read map[types.NamespacedName]time.Time
}

type rotation struct {
	watchedVersion string
	secret         *corev1.Secret
}

// current is the newest copy known of a watched Secret: a rotation read live, or the watched copy itself.
func (r *rotations) current(key types.NamespacedName, watched *corev1.Secret) *corev1.Secret {
	r.mu.Lock()
	defer r.mu.Unlock()
	rot, ok := r.m[key]
	switch {
	case !ok:
		return watched
	case rot.watchedVersion != watched.ResourceVersion:
		delete(r.m, key)
		return watched
	default:
		return rot.secret
	}
}

// mayReread reports whether the Secret may be read from the API server now, and notes the read.
func (r *rotations) mayReread(key types.NamespacedName, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if last, ok := r.read[key]; ok && now.Sub(last) < rereadInterval {
		return false
	}
	if r.read == nil {
		r.read = map[types.NamespacedName]time.Time{}
	}
	r.read[key] = now
	return true
}

func (r *rotations) put(key types.NamespacedName, watchedVersion string, s *corev1.Secret) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[types.NamespacedName]rotation{}
	}
	r.m[key] = rotation{watchedVersion: watchedVersion, secret: s}
}

func secretKey(h *v1.MigrationHook) types.NamespacedName {
	return types.NamespacedName{Namespace: h.Namespace, Name: h.Spec.SecretRef.Name}
}

// watchedSecret is the hook's Secret from the watch, or the rotation read live that replaces it.
func (k *KubeStore) watchedSecret(ctx context.Context, h *v1.MigrationHook) (*corev1.Secret, error) {
	key := secretKey(h)
	s, err := k.Secrets.Get(ctx, client.ObjectKeyFromObject(h), key)
	if err != nil {
		return nil, fmt.Errorf("read signing secret of hook %s/%s: %w", h.Namespace, h.Name, err)
	}
	return k.rotations.current(key, s), nil
}

// Reread reads the hook's Secret from the API server after a delivery failed the signature check, at most once
// per rereadInterval per Secret. changed is false when the Secret is the version h was checked with.
func (k *KubeStore) Reread(ctx context.Context, h Hook) (Hook, bool, error) {
	hook := &v1.MigrationHook{}
	hook.Namespace, hook.Name, hook.Spec = h.Namespace, h.Name, h.Spec
	key := secretKey(hook)
	if !k.rotations.mayReread(key, time.Now()) {
		return h, false, nil
	}
	watched, err := k.Secrets.Get(ctx, client.ObjectKeyFromObject(hook), key)
	if err != nil {
		return h, false, fmt.Errorf("read signing secret of hook %s/%s: %w", h.Namespace, h.Name, err)
	}
	var live corev1.Secret
	if err := k.Live.Get(ctx, key, &live); err != nil {
		return h, false, fmt.Errorf("read signing secret of hook %s/%s again: %w", h.Namespace, h.Name, err)
	}
	if live.ResourceVersion == h.SecretVersion {
		return h, false, nil
	}
	k.rotations.put(key, watched.ResourceVersion, &live)
	fresh, err := hookWith(hook, &live)
	return fresh, err == nil, err
}

// hookWith is the receiver's view of the hook with its signing secret, from spec.secretRef's key.
func hookWith(h *v1.MigrationHook, s *corev1.Secret) (Hook, error) {
	field := h.Spec.SecretRef.Key
	if field == "" {
		field = "secret"
	}
	secret, ok := s.Data[field]
	if !ok || len(secret) == 0 {
		return Hook{}, fmt.Errorf("secret %s of hook %s/%s has no key %q", s.Name, h.Namespace, h.Name, field)
	}
	return Hook{Namespace: h.Namespace, Name: h.Name, Spec: h.Spec, Secret: secret,
		SecretVersion: s.ResourceVersion}, nil
}
