package hooks

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// KubeStore finds hooks and stores runs in the API server. An accepted delivery costs one request, the run's
// creation: the hook comes from an informer's cache and its signing secret from a watch of that Secret.
type KubeStore struct {
	// Hooks reads MigrationHooks from a cache: the manager's cached client.
	Hooks client.Reader
	// Secrets reads the hooks' Secrets from a watch by name (namedsecrets.Watcher).
	Secrets SecretWatch
	// Live reads a Secret from the API server (the manager's APIReader), only when a delivery fails the
	// signature check against the watched copy: the Secret may have been rotated a moment ago.
	Live client.Reader
	// Writer creates the runs, directly in the API server.
	Writer client.Writer

	rotations rotations
}

// Hook reads the hook and its signing secret.
func (k *KubeStore) Hook(ctx context.Context, namespace, name string) (Hook, error) {
	var h v1.MigrationHook
	key := client.ObjectKey{Namespace: namespace, Name: name}
	if err := k.Hooks.Get(ctx, key, &h); err != nil {
		if apierrors.IsNotFound(err) {
			k.Secrets.Release(key)
			return Hook{}, ErrHookNotFound
		}
		return Hook{}, fmt.Errorf("read migration hook %s/%s: %w", namespace, name, err)
	}
	s, err := k.watchedSecret(ctx, &h)
	if err != nil {
		return Hook{}, err
	}
	return hookWith(&h, s)
}

// CreateRun creates the run; AlreadyExists means a delivery with that id was stored before.
func (k *KubeStore) CreateRun(ctx context.Context, run *v1.MigrationRun) (bool, error) {
	err := k.Writer.Create(ctx, run)
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsAlreadyExists(err):
		return false, nil
	case apierrors.IsInvalid(err):
		return false, fmt.Errorf("create migration run %s/%s: %w: %w", run.Namespace, run.Name, ErrRunRejected, err)
	default:
		return false, fmt.Errorf("create migration run %s/%s: %w", run.Namespace, run.Name, err)
	}
}
