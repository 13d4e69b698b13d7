package controllers

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// errSecretInvalid marks a user-provided Secret that lacks keys; the status says which.
var errSecretInvalid = fmt.Errorf("credentials secret is invalid")

// ensureSecrets makes sure the root credentials and the internal Secret exist, creating the generated ones
// once and never rewriting them, and returns the Group Replication group name.
func (r *InnoDBClusterReconciler) ensureSecrets(ctx context.Context, c *v1.InnoDBCluster) (string, error) {
	if c.Spec.SecretName != "" {
		if err := r.checkUserSecret(ctx, c); err != nil {
			return "", err
		}
	} else if _, err := r.createOnce(ctx, c, specs.CredentialsSecretName(c), specs.CredentialsSecret); err != nil {
		return "", err
	}
	internal, err := r.createOnce(ctx, c, specs.InternalSecretName(c), specs.InternalSecret)
	if err != nil {
		return "", err
	}
	group := string(internal.Data[specs.KeyGroupName])
	if group == "" {
		return "", fmt.Errorf("%w: %s has no %s", errSecretInvalid, internal.Name, specs.KeyGroupName)
	}
	return group, nil
}

// createOnce returns the Secret, creating it from build when it does not exist. The API reader is used so
// a Secret created a moment ago is not created again from a stale cache.
func (r *InnoDBClusterReconciler) createOnce(ctx context.Context, c *v1.InnoDBCluster, name string,
	build func(*v1.InnoDBCluster) (*corev1.Secret, error)) (*corev1.Secret, error) {
	var s corev1.Secret
	err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: c.Namespace, Name: name}, &s)
	if err == nil {
		return &s, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("get secret %s: %w", name, err)
	}
	fresh, err := build(c)
	if err != nil {
		return nil, err
	}
	if err := r.apply(ctx, c, fresh); err != nil {
		return nil, err
	}
	emit(r.Recorder, c, evSecretGenerated, "generated secret %s", name)
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: c.Namespace, Name: name}, &s); err != nil {
		return nil, fmt.Errorf("read back secret %s: %w", name, err)
	}
	return &s, nil
}

func (r *InnoDBClusterReconciler) checkUserSecret(ctx context.Context, c *v1.InnoDBCluster) error {
	var s corev1.Secret
	key := types.NamespacedName{Namespace: c.Namespace, Name: c.Spec.SecretName}
	if err := r.APIReader.Get(ctx, key, &s); err != nil {
		if apierrors.IsNotFound(err) {
			emit(r.Recorder, c, evSecretInvalid, "secret %s does not exist", key.Name)
			return fmt.Errorf("%w: secret %s does not exist", errSecretInvalid, key.Name)
		}
		return fmt.Errorf("get secret %s: %w", key.Name, err)
	}
	if missing := specs.MissingKeys(&s, specs.KeyRootPassword); len(missing) > 0 {
		emit(r.Recorder, c, evSecretInvalid, "secret %s lacks keys %s", key.Name, strings.Join(missing, ", "))
		return fmt.Errorf("%w: secret %s lacks keys %s", errSecretInvalid, key.Name, strings.Join(missing, ", "))
	}
	return nil
}
