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
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/podrunner"
	"github.com/orca-operator/orca/test/serviceproxy"
	"github.com/orca-operator/orca/test/simworld"
	"github.com/orca-operator/orca/test/testutil"
)

// harness is a kwok-simulated Kubernetes cluster (real etcd, apiserver, controller-manager, scheduler), simulated
// MySQL 8.4 members that follow its pods (simworld, data in a real MariaDB), the pods of Orca's own image (the
// router) run for real as local `orca` processes (podrunner), and Orca's operator in-process.
// Every member connection goes through World's loopback dialer: pod IPs are never dialled.
type harness struct {
	tb     testing.TB
	CP     *controlplane.ControlPlane
	Client client.Client
	World  *simworld.World
	// Pods runs the pods of orcaImage (router pods: `orca router`) as processes of the orca binary built from this
	// checkout, each on its own loopback address, dialling members through World's member map.
	Pods *podrunner.Runner

	stopOperator func()

	netOnce sync.Once
	net     string // go-sql-driver's name for the World's dialer

	// The Service proxy behind serviceAddr, started on first use.
	proxyOnce sync.Once           //nolint:unused // used by serviceAddr
	proxy     *serviceproxy.Proxy //nolint:unused // used by serviceAddr
	proxied   sync.Map            //nolint:unused // "namespace/service:port" of the rules added
}

// orcaImage is the operator's --orca-image in the harness: kwok leaves the pods that run it to the runner.
const orcaImage = "orca:e2e"

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
	orca := podrunner.BuildOrcaT(tb)
	// Every case keeps its volumes (3 each, scale-up 2 more).
	cp := controlplane.StartT(tb, controlplane.Options{Simulated: true, Volumes: 96, ProcessImages: []string{orcaImage}})
	if _, err := envtest.InstallCRDs(cp.Config, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(envtestutil.RepoRoot(), "config", "crd", "bases")}, ErrorIfPathMissing: true,
	}); err != nil {
		tb.Fatalf("install CRDs: %v", err)
	}
	maria := peers.StartMariaDB(tb)
	// Members on a range of their own: other test packages run their simulated members beside this one, and a
	// member keeps its address across restarts. The pods run as processes get a range of their own too.
	n, memberMap := harnesses.Add(1), filepath.Join(tb.TempDir(), "members.json")
	world, err := simworld.Start(context.Background(), simworld.Options{Config: cp.Config, DataDSN: maria.DSN(""),
		BaseAddress: fmt.Sprintf("127.%d.%d.2", 200+n%50, os.Getpid()%250), MapFile: memberMap,
		Sim: mysqlsim.Config{Second: o.second}, ContainerRestartDelay: max(time.Second, 2*o.second)})
	if err != nil {
		tb.Fatalf("start simulated members: %v", err)
	}
	tb.Cleanup(world.Stop)
	pods, err := podrunner.Start(context.Background(), podrunner.Options{Config: cp.Config,
		Images: map[string]podrunner.Image{orcaImage: {Binary: orca}}, MemberMap: memberMap,
		BaseAddress: fmt.Sprintf("127.%d.%d.2", 150+n%50, os.Getpid()%250), RestartDelay: max(time.Second, 2*o.second),
		// Readiness follows a process within 200 ms instead of the probes' own periods (the router's is 2 s).
		ProbePeriod: 200 * time.Millisecond, Logger: ctrl.Log.WithName("podrunner")})
	if err != nil {
		tb.Fatalf("start the pod runner: %v", err)
	}
	tb.Cleanup(pods.Stop)
	scheme, err := operator.NewScheme()
	if err != nil {
		tb.Fatal(err)
	}
	h := &harness{tb: tb, CP: cp, World: world, Pods: pods}
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
	mgr, err := operator.New(h.CP.Config, operator.Options{MetricsAddr: "0", OrcaImage: orcaImage,
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

// serviceAddr returns a loopback address where a Service port of the harness is reachable as through its
// ClusterIP (test/serviceproxy: one ready endpoint's pod per connection, run by Pods or simulated by World), once
// the port has a ready endpoint; the address stays the port's for the harness's life, and refuses connections
// while no endpoint is ready.
//
//nolint:unused // the router's cases reach <cluster>:6446/6447 through it (issue 9)
func (h *harness) serviceAddr(tb testing.TB, namespace, service string, port int32) string {
	tb.Helper()
	h.proxyOnce.Do(func() {
		p, err := serviceproxy.Start(context.Background(), serviceproxy.Options{Config: h.CP.Config,
			Resolver: serviceproxy.Resolvers(h.Pods, h.World), Resync: 200 * time.Millisecond,
			Logger: ctrl.Log.WithName("serviceproxy")})
		if err != nil {
			tb.Fatalf("start the service proxy: %v", err)
		}
		h.proxy = p
		h.tb.Cleanup(p.Stop)
	})
	if h.proxy == nil {
		tb.Fatal("the service proxy did not start")
	}
	if _, known := h.proxied.LoadOrStore(fmt.Sprintf("%s/%s:%d", namespace, service, port), true); !known {
		if err := h.proxy.Add(serviceproxy.Rule{Namespace: namespace, Service: service, Ports: []int32{port},
			AnyPort: true}); err != nil {
			tb.Fatal(err)
		}
	}
	var addr string
	eventually(tb, 60*time.Second, func() error {
		if addr = h.proxy.Addr(namespace, service, port); addr == "" {
			return fmt.Errorf("service %s/%s port %d has no ready endpoint", namespace, service, port)
		}
		return nil
	})
	return addr
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
