package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
)

// backoffHold is how long a cluster waits for its Secret before the Secret is created: by then the
// controller's exponential backoff (5 ms doubling per failure) retries a failed reconcile only about as long
// after it as the failures have lasted.
const backoffHold = 8 * time.Second

// A cluster whose spec.secretName Secret does not exist yet reports SecretInvalid; the Secret is created just
// after a failed reconcile, when the controller's backoff would next retry about backoffHold later; the watch on
// the Secret's name reconciles the cluster at once (its internal Secret, created right after the check passes,
// appears within a second or so, not after the backoff), and the cluster comes ONLINE.
func userSecretCreatedLater(t *testing.T, h *harness) {
	const name = "own-root"
	c := h.createSampleWith(t, func(ic *v1.InnoDBCluster) { ic.Spec.SecretName = name })
	start := time.Now()
	eventually(t, 60*time.Second, func() error {
		if cond := c.condition(v1.ConditionResourcesReady); cond == nil || cond.Reason != string(v1.ReasonSecretInvalid) {
			return fmt.Errorf("ResourcesReady %s, want SecretInvalid", condString(cond))
		}
		return nil
	})
	time.Sleep(time.Until(start.Add(backoffHold)))
	before := reconcileErrors(t)
	eventually(t, 3*backoffHold, func() error {
		if n := reconcileErrors(t); n == before {
			return fmt.Errorf("no failed reconcile since %v", before)
		}
		return nil
	})
	lastFailure := time.Now()
	ctx := context.Background()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: c.obj.Namespace, Name: name},
		StringData: map[string]string{specs.KeyRootUser: "root", specs.KeyRootHost: "%",
			specs.KeyRootPassword: "own-Pass-1234"}}
	if err := h.Client.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	created := time.Now()
	internal := types.NamespacedName{Namespace: c.obj.Namespace, Name: specs.InternalSecretName(c.obj)}
	eventually(t, 60*time.Second, func() error { return h.Client.Get(ctx, internal, &corev1.Secret{}) })
	// The backoff's next retry is at least the failures' span after the last one (start to lastFailure).
	if took, backoff := time.Since(created), lastFailure.Sub(start); took > backoff/2 {
		t.Fatalf("the cluster went on %s after its Secret was created; the backoff alone retries %s after the "+
			"last failure: the watch on the Secret's name did not wake it", took.Round(time.Millisecond),
			backoff.Round(time.Millisecond))
	} else {
		t.Logf("picked up %s after the Secret was created (the backoff would retry after about %s)",
			took.Round(time.Millisecond), backoff.Round(time.Second))
	}
	c.waitOnline(120 * time.Second)
}

// reconcileErrors is controller-runtime's count of the InnoDBCluster controller's failed reconciles in this
// process (the harness runs the operator in-process).
func reconcileErrors(t *testing.T) float64 {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_errors_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == "innodbcluster" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
