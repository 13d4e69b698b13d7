package hooks

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// KubeStore finds hooks and stores runs in the API server.
type KubeStore struct {
	// Hooks reads MigrationHooks; the manager's cached client is enough.
	Hooks client.Reader
	// Secrets reads the hooks' Secrets; the operator reads user Secrets without a cache (APIReader).
	Secrets client.Reader
	// Writer creates the runs, directly in the API server.
	Writer client.Writer
}

// Hook reads the hook and its signing secret.
func (k KubeStore) Hook(ctx context.Context, namespace, name string) (Hook, error) {
	var h v1.MigrationHook
	if err := k.Hooks.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &h); err != nil {
		if apierrors.IsNotFound(err) {
			return Hook{}, ErrHookNotFound
		}
		return Hook{}, fmt.Errorf("read migration hook %s/%s: %w", namespace, name, err)
	}
	var s corev1.Secret
	key := client.ObjectKey{Namespace: namespace, Name: h.Spec.SecretRef.Name}
	if err := k.Secrets.Get(ctx, key, &s); err != nil {
		return Hook{}, fmt.Errorf("read signing secret of hook %s/%s: %w", namespace, name, err)
	}
	field := h.Spec.SecretRef.Key
	if field == "" {
		field = "secret"
	}
	secret, ok := s.Data[field]
	if !ok || len(secret) == 0 {
		return Hook{}, fmt.Errorf("secret %s of hook %s/%s has no key %q", key.Name, namespace, name, field)
	}
	return Hook{Namespace: namespace, Name: name, Spec: h.Spec, Secret: secret}, nil
}

// CreateRun creates the run; AlreadyExists means a delivery with that id was stored before.
func (k KubeStore) CreateRun(ctx context.Context, run *v1.MigrationRun) (bool, error) {
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
