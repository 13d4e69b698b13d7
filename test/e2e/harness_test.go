package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/simworld"
	"github.com/orca-operator/orca/test/testutil"
)

// harness is a kwok-simulated Kubernetes cluster (real etcd, apiserver, controller-manager, scheduler), simulated
// MySQL 8.4 members that follow its pods (simworld, data in a real MariaDB), and Orca's operator in-process.
// Every member connection goes through World's loopback dialer: pod IPs are never dialled.
type harness struct {
	tb     testing.TB
	CP     *controlplane.ControlPlane
	Client client.Client
	World  *simworld.World

	stopOperator func()

	netOnce sync.Once
	net     string // go-sql-driver's name for the World's dialer
}

// harnessOptions tune the harness.
type harnessOptions struct {
	// second is the length of one simulated second (Group Replication's timeouts count in them). Default 10ms.
	second time.Duration
}

func startHarness(tb testing.TB) *harness { return startHarnessWith(tb, harnessOptions{}) }

func startHarnessWith(tb testing.TB, o harnessOptions) *harness {
	tb.Helper()
	if o.second == 0 {
		o.second = 10 * time.Millisecond
	}
	envtestutil.SetLogger()
	cp := controlplane.StartT(tb, controlplane.Options{Simulated: true, Volumes: 96}) // every case keeps its volumes (3 each, scale-up 2 more)
	if _, err := envtest.InstallCRDs(cp.Config, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(envtestutil.RepoRoot(), "config", "crd", "bases")}, ErrorIfPathMissing: true,
	}); err != nil {
		tb.Fatalf("install CRDs: %v", err)
	}
	maria := peers.StartMariaDB(tb)
	// Members on a range of their own: other test packages run their simulated members beside this one, and a
	// member keeps its address across restarts.
	world, err := simworld.Start(context.Background(), simworld.Options{Config: cp.Config, DataDSN: maria.DSN(""),
		BaseAddress: fmt.Sprintf("127.%d.%d.2", 200+harnesses.Add(1)%50, os.Getpid()%250),
		Sim:         mysqlsim.Config{Second: o.second}, ContainerRestartDelay: max(time.Second, 2*o.second)})
	if err != nil {
		tb.Fatalf("start simulated members: %v", err)
	}
	tb.Cleanup(world.Stop)
	scheme, err := operator.NewScheme()
	if err != nil {
		tb.Fatal(err)
	}
	h := &harness{tb: tb, CP: cp, World: world}
	if h.Client, err = client.New(cp.Config, client.Options{Scheme: scheme}); err != nil {
		tb.Fatalf("client: %v", err)
	}
	h.startOperator()
	tb.Cleanup(func() { h.stopOperatorNow() })
	return h
}

// startOperator runs Orca's operator in-process, exactly as `orca operator` builds it.
func (h *harness) startOperator() {
	h.tb.Helper()
	mgr, err := operator.New(h.CP.Config, operator.Options{MetricsAddr: "0", OrcaImage: "orca:e2e",
		Dialer: h.World.Dialer(), ResyncInterval: time.Second, SecondInstance: true})
	if err != nil {
		h.tb.Fatalf("build operator: %v", err)
	}
	h.stopOperator = envtestutil.RunManager(h.tb, mgr, 30*time.Second)
}

func (h *harness) stopOperatorNow() {
	if h.stopOperator != nil {
		h.stopOperator()
		h.stopOperator = nil
	}
}

// loadSample decodes an InnoDBCluster manifest from config/samples.
func loadSample(tb testing.TB, name string) *v1.InnoDBCluster {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(envtestutil.RepoRoot(), "config", "samples", name))
	if err != nil {
		tb.Fatal(err)
	}
	scheme, err := operator.NewScheme()
	if err != nil {
		tb.Fatal(err)
	}
	obj, _, err := serializer.NewCodecFactory(scheme).UniversalDeserializer().Decode(raw, nil, nil)
	if err != nil {
		tb.Fatalf("decode sample %s: %v", name, err)
	}
	c, ok := obj.(*v1.InnoDBCluster)
	if !ok {
		tb.Fatalf("sample %s is a %T", name, obj)
	}
	return c
}

func eventually(tb testing.TB, timeout time.Duration, fn func() error) {
	tb.Helper()
	testutil.Eventually(tb, timeout, fn)
}
