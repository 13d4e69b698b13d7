package e2e

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
	"github.com/orca-operator/orca/test/apicount"
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
	// operatorConfig is the operator's identity: the orca chart's ServiceAccount (chartIdentity); refused
	// records what the API server refused it, and fails the harness at its end.
	operatorConfig *rest.Config
	refused        forbidden
	// dnsAddr is where the operator serves its DNS zone (UDP and TCP, loopback).
	dnsAddr string
	// Requests counts every request the operator sends to the API server; passes counts each cluster's completed
	// loop passes.
	Requests *apicount.Counter
	passes   sync.Map // types.NamespacedName -> *atomic.Int64
	// hooksAddr is where the operator's MigrationHook receiver listens now (host:port on 127.0.0.1).
	hooksAddr atomic.Value
	// serviceMap is the file the Service proxy publishes its ports in, for the pods' processes.
	serviceMap string
	// memberMap is the file World publishes the members' loopback addresses in, for processes that dial them.
	memberMap string

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
	// byHelm leaves the CRDs and the operator to the test, which installs them with Helm: the operator then
	// runs as the chart's pods (Pods plays them as `orca operator` processes) under the chart's ServiceAccount.
	byHelm bool
	// external installs the CRDs but leaves the operator to the test, which runs it as a process of its own
	// (the scale benchmark measures its CPU and memory).
	external bool
	// volumes is the number of pre-made PersistentVolumes. Default 96.
	volumes int
	// apiserverArgs are added to kube-apiserver's flags (the scale benchmark's audit log).
	apiserverArgs []string
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
	if o.volumes == 0 {
		o.volumes = 96
	}
	cp := controlplane.StartT(tb, controlplane.Options{Simulated: true, Volumes: o.volumes,
		ProcessImages: []string{orcaImage}, ExtraArgs: map[string][]string{"kube-apiserver": o.apiserverArgs}})
	if !o.byHelm {
		if _, err := envtest.InstallCRDs(cp.Config, envtest.CRDInstallOptions{
			Paths: []string{filepath.Join(envtestutil.RepoRoot(), "config", "crd", "bases")}, ErrorIfPathMissing: true,
		}); err != nil {
			tb.Fatalf("install CRDs: %v", err)
		}
	}
	maria := peers.StartMariaDB(tb)
	// Members on a range of their own: other test packages run their simulated members beside this one, and a
	// member keeps its address across restarts. The pods run as processes get a range of their own too.
	n, memberMap := harnesses.Add(1), filepath.Join(tb.TempDir(), "members.json")
	serviceMap := filepath.Join(filepath.Dir(memberMap), "services.json")
	world, err := simworld.Start(context.Background(), simworld.Options{Config: cp.Config, DataDSN: maria.DSN(""),
		BaseAddress: fmt.Sprintf("127.%d.%d.2", 200+n%50, os.Getpid()%250), MapFile: memberMap,
		Sim: mysqlsim.Config{Second: o.second}, ContainerRestartDelay: max(time.Second, 2*o.second)})
	if err != nil {
		tb.Fatalf("start simulated members: %v", err)
	}
	tb.Cleanup(world.Stop)
	scratch, err := peers.WriteScratchMySQL(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	// The restore-verify Job's scratch sidecar (the MySQL image, in an init container) runs a real MariaDB of its
	// own on its pod's loopback address.
	images := map[string]podrunner.Image{orcaImage: {Binary: orca},
		(&v1.InnoDBCluster{}).MySQLImage(): {Binary: scratch, Entrypoint: peers.ScratchMySQLEntrypoint,
			Programs: peers.ScratchMySQLPrograms, InitOnly: true}}
	pods, err := podrunner.Start(context.Background(), podrunner.Options{Config: cp.Config,
		Images: images, MemberMap: memberMap, ServiceMap: serviceMap,
		BaseAddress: fmt.Sprintf("127.%d.%d.2", 150+n%50, os.Getpid()%250), RestartDelay: max(time.Second, 2*o.second),
		// Probes check every 200 ms: a router is Ready within 200 ms of holding the topology, while a failure
		// still counts only after as long as with the probes' own periods (readiness 4 s, liveness 30 s).
		ProbePeriod: 200 * time.Millisecond, Logger: ctrl.Log.WithName("podrunner")})
	if err != nil {
		tb.Fatalf("start the pod runner: %v", err)
	}
	tb.Cleanup(pods.Stop)
	scheme, err := operator.NewScheme()
	if err != nil {
		tb.Fatal(err)
	}
	h := &harness{tb: tb, CP: cp, World: world, Pods: pods, serviceMap: serviceMap, memberMap: memberMap}
	if h.Client, err = client.New(cp.Config, client.Options{Scheme: scheme}); err != nil {
		tb.Fatalf("client: %v", err)
	}
	if !o.byHelm && !o.external {
		h.operatorConfig = chartIdentity(tb, cp.Config, h.Client)
		tb.Cleanup(func() {
			if refused := h.refused.Refused(); refused != "" {
				tb.Errorf("the API server refused the operator, running as the orca chart's service account:%s",
					refused)
			}
		})
		h.startOperator()
		tb.Cleanup(func() { h.stopOperatorNow() })
	}
	return h
}

// startOperator runs Orca's operator in-process, exactly as `orca operator` builds it.
func (h *harness) startOperator() {
	h.tb.Helper()
	if h.dnsAddr == "" {
		port, err := peers.FreeUDPTCPPort()
		if err != nil {
			h.tb.Fatal(err)
		}
		h.dnsAddr = fmt.Sprintf("127.0.0.1:%d", port)
	}
	if h.Requests == nil {
		h.Requests = &apicount.Counter{}
	}
	cfg := rest.CopyConfig(h.operatorConfig)
	cfg.Wrap(h.Requests.Wrap)
	cfg.Wrap(h.refused.Wrap)
	mgr, err := operator.New(cfg, operator.Options{MetricsAddr: "0", OrcaImage: orcaImage,
		Dialer: h.World.Dialer(), ResyncInterval: time.Second, SecondInstance: true, DNSAddr: h.dnsAddr,
		OnPass:    func(key types.NamespacedName, _ error) { h.passCounter(key).Add(1) },
		HooksAddr: "127.0.0.1:0", HooksListening: func(a net.Addr) { h.hooksAddr.Store(a.String()) }})
	if err != nil {
		h.tb.Fatalf("build operator: %v", err)
	}
	h.stopOperator = envtestutil.RunManager(h.tb, mgr, 30*time.Second)
}

// passCounter counts the cluster's completed loop passes.
func (h *harness) passCounter(key types.NamespacedName) *atomic.Int64 {
	n, _ := h.passes.LoadOrStore(key, &atomic.Int64{})
	return n.(*atomic.Int64) //nolint:forcetypeassert // only *atomic.Int64 is stored
}

func (h *harness) stopOperatorNow() {
	if h.stopOperator != nil {
		h.stopOperator()
		h.stopOperator = nil
	}
}

// namespace creates a namespace (generated from name when it ends in "-") for a case's pods that enforces the
// restricted Pod Security Standard: the real apiserver refuses any pod of Orca's (member, router, runner) that
// would not pass it.
func (h *harness) namespace(tb testing.TB, name string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ns, err := testutil.CreateRestrictedNamespace(ctx, h.Client, name)
	if err != nil {
		tb.Fatal(err)
	}
	return ns
}

// serviceAddr returns a loopback address where a Service port of the harness is reachable as through its
// ClusterIP (test/serviceproxy: one ready endpoint's pod per connection, run by Pods or simulated by World), once
// the port has a ready endpoint; the address stays the port's for the harness's life, and refuses connections
// while no endpoint is ready.
func (h *harness) serviceAddr(tb testing.TB, namespace, service string, port int32) string {
	tb.Helper()
	h.proxyOnce.Do(func() {
		p, err := serviceproxy.Start(context.Background(), serviceproxy.Options{Config: h.CP.Config,
			Resolver: serviceproxy.Resolvers(h.Pods, h.World), Resync: 200 * time.Millisecond, MapFile: h.serviceMap,
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

// TestHarnessRunsTheRouter checks the harness's real pods: the sample with a router gets two `orca router`
// processes (podrunner), each on its own loopback address and Ready only once it holds the group's topology;
// through the Services, as a client in the cluster would reach them (serviceAddr), the read-write ports reach the
// primary and the read-only ones a secondary. The members run require_secure_transport=ON: the operator, its
// monitor and the routers verify TLS, a client through the routers verifies the member it reaches for the
// Service's name, and one without TLS is refused (3159).
func TestHarnessRunsTheRouter(t *testing.T) {
	h := startHarness(t)
	ctx := context.Background()
	ns := h.namespace(t, "e2e-router-")
	ic := loadSample(t, "mysql_v1alpha1_innodbcluster.yaml")
	ic.Namespace, ic.Spec.Router = ns, &v1.RouterSpec{}
	ic.Spec.Mycnf += "require_secure_transport=ON\n"
	if err := h.Client.Create(ctx, ic); err != nil {
		t.Fatalf("create the sample with a router: %v", err)
	}
	c := &cluster{h: h, t: t, obj: ic}
	eventually(t, 90*time.Second, func() error {
		s := c.get().Status
		if s.ClusterState != v1.ClusterStateOnline || s.OnlineInstances != 3 || s.Primary == "" {
			return fmt.Errorf("state %s, online %d, primary %q", s.ClusterState, s.OnlineInstances, s.Primary)
		}
		return nil
	})
	// Both routers Ready, each its first process: one that could not listen on its own address would exit and
	// restart.
	eventually(t, 60*time.Second, func() error {
		var pods corev1.PodList
		if err := h.Client.List(ctx, &pods, client.InNamespace(ns),
			client.MatchingLabels(specs.RouterSelectorLabels(ic))); err != nil {
			return err
		}
		ready := 0
		for i := range pods.Items {
			p := &pods.Items[i]
			for _, cs := range p.Status.ContainerStatuses {
				if cs.RestartCount > 0 {
					log := exitedLog(h.Pods, ns, p.Name)
					t.Fatalf("router %s restarted (last state %+v): each router must listen on its own "+
						"%s only (it replaces --bind-address and the host of --http-bind-address); its log:\n%s",
						p.Name, cs.LastTerminationState.Terminated, podrunner.EnvBindAddress, log)
				}
			}
			if podReady(p) {
				ready++
			}
		}
		if ready != int(v1.DefaultRouterInstances) || len(pods.Items) != ready {
			return fmt.Errorf("%d of %d router pods Ready", ready, len(pods.Items))
		}
		return nil
	})
	routers := map[string]string{} // address -> pod
	for _, p := range h.Pods.Pods() {
		if p.Namespace == ns && strings.HasPrefix(p.Name, specs.RouterName(ic)) && p.Address != "" {
			routers[p.Address] = p.Name
		}
	}
	if len(routers) != int(v1.DefaultRouterInstances) {
		t.Fatalf("router pods by loopback address: %v", routers)
	}
	password := c.secret(specs.CredentialsSecretName(ic), specs.KeyRootPassword)
	primary := c.get().Status.Primary
	for _, tc := range []struct {
		service string
		port    int32
		primary bool
	}{
		{specs.ClientServiceName(ic), specs.PortRouterRW, true},
		{specs.ClientServiceName(ic), specs.PortRouterRO, false},
		{specs.ClientServiceName(ic), specs.PortMySQL, true},
		{specs.ReadOnlyServiceName(ic), specs.PortMySQL, false},
	} {
		addr := h.serviceAddr(t, ns, tc.service, tc.port)
		trust := tlsca.Trust{Bundle: c.tlsSecret().Data[specs.KeyCACert]}.Config()
		trust.ServerName = fmt.Sprintf("%s.%s.svc", tc.service, ns)
		eventually(t, 30*time.Second, func() error {
			var me *mysql.MySQLError
			if _, err := reportHost(addr, password, nil); !errors.As(err, &me) || me.Number != 3159 {
				return fmt.Errorf("%s:%d without TLS: want error 3159, got %w", tc.service, tc.port, err)
			}
			host, err := reportHost(addr, password, trust)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", tc.service, tc.port, err)
			}
			if isPrimary := strings.HasPrefix(host, primary+"."); isPrimary != tc.primary {
				return fmt.Errorf("%s:%d reached %s (primary %s)", tc.service, tc.port, host, primary)
			}
			return nil
		})
	}
}

// exitedLog returns the output of the last process of a pod that exited.
func exitedLog(r *podrunner.Runner, namespace, pod string) string {
	procs := r.Processes()
	for i := len(procs) - 1; i >= 0; i-- {
		if p := procs[i]; p.Namespace == namespace && p.Pod == pod && p.Exited {
			b, err := os.ReadFile(p.Log)
			return fmt.Sprintf("%s (%v):\n%s", p.Log, err, b)
		}
	}
	return ""
}

// reportHost asks the member behind addr for its report_host, as root over the classic protocol (over TLS
// verified with trust unless it is nil).
func reportHost(addr, password string, trust *tls.Config) (string, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.TLS = "root", password, "tcp", addr, trust
	cfg.Timeout, cfg.ReadTimeout = 5*time.Second, 5*time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return "", err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var host string
	err = db.QueryRow("SELECT @@report_host").Scan(&host)
	return host, err
}
