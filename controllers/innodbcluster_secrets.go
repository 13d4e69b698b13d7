package controllers

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/events"
	"github.com/orca-operator/orca/internal/specs"
)

// errSecretInvalid marks a user-provided Secret that lacks keys; the status says which.
var errSecretInvalid = fmt.Errorf("credentials secret is invalid")

// ensureSecrets makes sure the root credentials and the internal Secret exist, creating the generated ones
// once and never rewriting them (an internal Secret older than the router only gains the router account's
// keys), and returns the internal Secret.
func (r *InnoDBClusterReconciler) ensureSecrets(ctx context.Context, c *v1.InnoDBCluster) (*corev1.Secret, error) {
	if c.Spec.SecretName != "" {
		if err := r.checkUserSecret(ctx, c); err != nil {
			return nil, err
		}
	} else {
		if r.UserSecrets != nil {
			r.UserSecrets.Release(client.ObjectKeyFromObject(c)) // spec.secretName was removed: stop watching it
		}
		if _, err := r.createOnce(ctx, c, specs.CredentialsSecretName(c), specs.CredentialsSecret); err != nil {
			return nil, err
		}
	}
	internal, err := r.createOnce(ctx, c, specs.InternalSecretName(c), specs.InternalSecret)
	if err != nil {
		return nil, err
	}
	if len(internal.Data[specs.KeyGroupName]) == 0 {
		return nil, fmt.Errorf("%w: %s has no %s", errSecretInvalid, internal.Name, specs.KeyGroupName)
	}
	if err := r.addRouterKeys(ctx, c, internal); err != nil {
		return nil, err
	}
	return internal, nil
}

// createOnce returns the generated Secret, creating it from build when it does not exist. It is created (never
// applied): its contents are written exactly once, and a Secret that already exists, made by an earlier pass or
// left behind by a deleted cluster of the same name, is read and adopted as it is. It is read from the cache
// (which holds every Secret Orca generated); one created a moment ago and not cached yet makes the create fail
// with AlreadyExists, and is then read from the API server.
func (r *InnoDBClusterReconciler) createOnce(ctx context.Context, c *v1.InnoDBCluster, name string,
	build func(*v1.InnoDBCluster) (*corev1.Secret, error)) (*corev1.Secret, error) {
	s, err := r.cachedSecret(ctx, c.Namespace, name)
	if err == nil {
		return s, r.adoptSecret(ctx, c, s)
	}
	if !apierrors.IsNotFound(err) {
		return nil, err
	}
	fresh, err := build(c)
	if err != nil {
		return nil, err
	}
	if err := controllerutil.SetControllerReference(c, fresh, r.Scheme); err != nil {
		return nil, fmt.Errorf("set owner of secret %s: %w", name, err)
	}
	switch err := r.Create(ctx, fresh, client.FieldOwner(FieldOwner)); {
	case err == nil:
		emit(r.Recorder, c, events.SecretGenerated, "generated secret %s", name)
	case !apierrors.IsAlreadyExists(err):
		emit(r.Recorder, c, events.ApplyFailed, "create Secret %s: %v", name, err)
		return nil, fmt.Errorf("create secret %s: %w", name, err)
	}
	// Created (or AlreadyExists: another pass created it a moment ago); what is stored is what counts.
	stored, err := r.readSecret(ctx, c.Namespace, name)
	if err != nil {
		return nil, fmt.Errorf("read back created secret: %w", err)
	}
	return stored, r.adoptSecret(ctx, c, stored)
}

// adoptSecret makes the cluster the controller of a Secret Orca generated for a cluster of this name that has no
// controller: the one a deleted cluster left behind with its retained volumes (releaseSecrets). Only the owner
// reference changes; the data stays as it is, because the retained data directories hold accounts with exactly
// these passwords. A Secret Orca did not generate is used as it is and never owned.
func (r *InnoDBClusterReconciler) adoptSecret(ctx context.Context, c *v1.InnoDBCluster, s *corev1.Secret) error {
	if metav1.IsControlledBy(s, c) || !generatedFor(c, s) {
		return nil
	}
	patch := client.MergeFromWithOptions(s.DeepCopy(), client.MergeFromWithOptimisticLock{})
	if err := controllerutil.SetControllerReference(c, s, r.Scheme); err != nil {
		return fmt.Errorf("adopt secret %s: %w", s.Name, err)
	}
	if err := r.Patch(ctx, s, patch); err != nil {
		return fmt.Errorf("adopt secret %s: %w", s.Name, err)
	}
	emit(r.Recorder, c, events.SecretAdopted, "adopted secret %s, kept from a deleted cluster of the same name; "+
		"its contents are unchanged", s.Name)
	return nil
}

// generatedFor reports whether Orca generated the Secret for a cluster of c's name.
func generatedFor(c *v1.InnoDBCluster, s *corev1.Secret) bool {
	return s.Labels[v1.LabelManagedBy] == v1.ManagedByOrca && s.Labels[v1.LabelCluster] == c.Name
}

// generatedSecretNames are the Secrets Orca generates for the cluster: the internal one, and the credentials
// unless spec.secretName names the user's own.
func generatedSecretNames(c *v1.InnoDBCluster) []string {
	names := []string{specs.InternalSecretName(c)}
	if c.Spec.SecretName == "" {
		names = append([]string{specs.CredentialsSecretName(c)}, names...)
	}
	return names
}

// cachedSecret reads one of Orca's own Secrets from the informer cache.
func (r *InnoDBClusterReconciler) cachedSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	var s corev1.Secret
	if err := r.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &s); err != nil {
		return nil, fmt.Errorf("get secret %s: %w", name, err)
	}
	return &s, nil
}

// readSecret reads a Secret from the API server: one created a moment ago, or one the cache does not hold.
func (r *InnoDBClusterReconciler) readSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	var s corev1.Secret
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &s); err != nil {
		return nil, fmt.Errorf("get secret %s: %w", name, err)
	}
	return &s, nil
}

// userSecret reads the Secret spec.secretName names, from its watch when there is one.
func (r *InnoDBClusterReconciler) userSecret(ctx context.Context, c *v1.InnoDBCluster) (*corev1.Secret, error) {
	if r.UserSecrets == nil {
		return r.readSecret(ctx, c.Namespace, c.Spec.SecretName)
	}
	key := types.NamespacedName{Namespace: c.Namespace, Name: c.Spec.SecretName}
	s, err := r.UserSecrets.Get(ctx, client.ObjectKeyFromObject(c), key)
	if err != nil {
		return nil, fmt.Errorf("get secret %s: %w", key.Name, err)
	}
	return s, nil
}

func (r *InnoDBClusterReconciler) checkUserSecret(ctx context.Context, c *v1.InnoDBCluster) error {
	s, err := r.userSecret(ctx, c)
	if apierrors.IsNotFound(err) {
		emit(r.Recorder, c, events.SecretInvalid, "secret %s does not exist", c.Spec.SecretName)
		return fmt.Errorf("%w: secret %s does not exist", errSecretInvalid, c.Spec.SecretName)
	}
	if err != nil {
		return err
	}
	if missing := specs.MissingKeys(s, specs.KeyRootPassword); len(missing) > 0 {
		emit(r.Recorder, c, events.SecretInvalid, "secret %s lacks keys %s", s.Name, strings.Join(missing, ", "))
		return fmt.Errorf("%w: secret %s lacks keys %s", errSecretInvalid, s.Name, strings.Join(missing, ", "))
	}
	return nil
}
