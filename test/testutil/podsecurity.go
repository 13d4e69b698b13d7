package testutil

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Pod Security admission's namespace labels.
const (
	LabelPodSecurityEnforce        = "pod-security.kubernetes.io/enforce"
	LabelPodSecurityEnforceVersion = "pod-security.kubernetes.io/enforce-version"
)

// RestrictedNamespace is a namespace (named name, or generated from it when it ends in "-") on which the
// apiserver enforces the restricted Pod Security Standard at its newest version: every pod Orca creates there
// (members, router, backup and migration runners) must pass it, or the apiserver refuses the pod (the
// StatefulSet, Deployment and Job controllers then report FailedCreate and nothing starts).
func RestrictedNamespace(name string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		LabelPodSecurityEnforce: "restricted", LabelPodSecurityEnforceVersion: "latest"}}}
	if strings.HasSuffix(name, "-") {
		ns.Name, ns.GenerateName = "", name
	}
	return ns
}

// CreateRestrictedNamespace creates RestrictedNamespace(name) and checks that the apiserver does enforce
// the standard there: a pod that asks to escalate privileges is refused (dry run). It returns the namespace's name.
func CreateRestrictedNamespace(ctx context.Context, c client.Client, name string) (string, error) {
	ns := RestrictedNamespace(name)
	if err := c.Create(ctx, ns); err != nil {
		return "", fmt.Errorf("create namespace %s: %w", name, err)
	}
	if err := refusesViolators(ctx, c, ns.Name); err != nil {
		return "", err
	}
	return ns.Name, nil
}

// refusesViolators dry-runs a violating pod, again while the ServiceAccount admission refuses it first (the
// controller-manager has not made the namespace's default ServiceAccount yet).
func refusesViolators(ctx context.Context, c client.Client, ns string) error {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "pod-security-canary"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "canary",
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(true)}}}}}
	var err error
	for range 300 {
		if err = c.Create(ctx, pod, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "serviceaccount") {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s: %w", ns, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err == nil || !strings.Contains(err.Error(), "restricted") {
		return fmt.Errorf("namespace %s does not enforce the restricted Pod Security Standard: a violating pod "+
			"got %v", ns, err)
	}
	return nil
}
