package operator

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func TestManagerReleasesLeaseAndWaitsOnShutdown(t *testing.T) {
	o := managerOptions(runtime.NewScheme(), Options{LeaderElect: true})
	if !o.LeaderElectionReleaseOnCancel {
		t.Fatal("the leader must release its lease when it stops")
	}
	if o.GracefulShutdownTimeout == nil || *o.GracefulShutdownTimeout != DefaultGracefulShutdownTimeout {
		t.Fatalf("graceful shutdown timeout %v, want %s", o.GracefulShutdownTimeout, DefaultGracefulShutdownTimeout)
	}
	o = managerOptions(runtime.NewScheme(), Options{GracefulShutdownTimeout: 5 * time.Second})
	if *o.GracefulShutdownTimeout != 5*time.Second || o.LeaderElectionID != LeaderElectionID {
		t.Fatalf("options %+v", o)
	}
}

// The cache holds only the Secrets and Pods Orca made: one operator for many clusters never holds every Pod
// and Secret of the Kubernetes cluster.
func TestCacheHoldsOnlyOrcasSecretsAndPods(t *testing.T) {
	byObject := cacheOptions().ByObject
	for _, obj := range []client.Object{&corev1.Secret{}, &corev1.Pod{}} {
		var sel labels.Selector
		for o, b := range byObject {
			if reflect.TypeOf(o) == reflect.TypeOf(obj) {
				sel = b.Label
			}
		}
		if sel == nil {
			t.Fatalf("%T is cached without a label selector", obj)
		}
		if !sel.Matches(labels.Set{v1.LabelManagedBy: v1.ManagedByOrca}) || sel.Matches(labels.Set{"app": "other"}) {
			t.Fatalf("%T cached with selector %q, want only %s=%s", obj, sel, v1.LabelManagedBy, v1.ManagedByOrca)
		}
	}
}
