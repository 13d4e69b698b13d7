package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/testutil"
)

// harness is a kwok-simulated Kubernetes cluster with Orca's operator running in-process against it.
// Member connections go through Dialer, which only ever reaches 127.0.0.0/8.
type harness struct {
	CP     *controlplane.ControlPlane
	Client client.Client
	Dialer *memberdial.Loopback
}

func startHarness(t *testing.T) *harness {
	t.Helper()
	if os.Getenv("ORCA_TEST_VERBOSE") != "" {
		ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr)))
	} else {
		ctrl.SetLogger(logr.Discard())
	}
	cp := controlplane.StartT(t, controlplane.Options{Simulated: true})
	if _, err := envtest.InstallCRDs(cp.Config, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(envtestutil.RepoRoot(), "config", "crd", "bases")}, ErrorIfPathMissing: true,
	}); err != nil {
		t.Fatalf("install CRDs: %v", err)
	}
	h := &harness{CP: cp, Dialer: memberdial.NewLoopback()}
	mgr, err := operator.New(cp.Config, operator.Options{MetricsAddr: "0", OrcaImage: "orca:e2e", Dialer: h.Dialer})
	if err != nil {
		t.Fatalf("build operator: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("operator stopped with: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("operator did not stop within 30s")
		}
	})
	h.Client, err = client.New(cp.Config, client.Options{Scheme: mgr.GetScheme()})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return h
}

// loadSample decodes an InnoDBCluster manifest from config/samples.
func loadSample(t *testing.T, name string) *v1.InnoDBCluster {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(envtestutil.RepoRoot(), "config", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	scheme, err := operator.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	obj, _, err := serializer.NewCodecFactory(scheme).UniversalDeserializer().Decode(raw, nil, nil)
	if err != nil {
		t.Fatalf("decode sample %s: %v", name, err)
	}
	c, ok := obj.(*v1.InnoDBCluster)
	if !ok {
		t.Fatalf("sample %s is a %T", name, obj)
	}
	return c
}

func eventually(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	testutil.Eventually(t, timeout, fn)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
