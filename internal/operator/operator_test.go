package operator

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
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
