// Package operator wires Orca's controllers into a controller-runtime manager. `orca operator` and the
// end-to-end harness both build the operator here, so tests run what users run.
package operator

import (
	"fmt"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/clustering"
	"github.com/orca-operator/orca/controllers"
	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/internal/crddrift"
	"github.com/orca-operator/orca/internal/dnsfeed"
	"github.com/orca-operator/orca/internal/namedsecrets"
	"github.com/orca-operator/orca/internal/opmetrics"
	"github.com/orca-operator/orca/internal/pitrwatch"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/mysqladmin"
)

// Options configure the operator.
type Options struct {
	// MetricsAddr serves Prometheus metrics; "0" disables it.
	MetricsAddr string
	// ProbeAddr serves /healthz and /readyz; "" or "0" disables it.
	ProbeAddr string
	// HooksAddr serves the MigrationHook receiver (POST /hooks/<namespace>/<hook>) on every replica; "" or "0"
	// disables it.
	HooksAddr string
	// HooksExternalURL is the receiver's base URL as git hosts reach it (https://hooks.example.com, through an
	// Ingress or load balancer): MigrationHooks' status.receiverURL is it followed by /hooks/<namespace>/<hook>.
	// Empty: the path alone.
	HooksExternalURL string
	// PprofAddr serves Go's profiles (/debug/pprof/); "" or "0" (the default) disables it.
	PprofAddr string
	// HooksListening, for tests, is told where the receiver listens (HooksAddr may name port 0).
	HooksListening func(net.Addr)
	// LeaderElect makes only the elected replica reconcile.
	LeaderElect bool
	// LeaderElectionNamespace holds the lease; the in-cluster namespace when empty.
	LeaderElectionNamespace string
	// OrcaImage runs `orca init` in member pods.
	OrcaImage string
	// ClusterZone is the cluster DNS zone (cluster.local).
	ClusterZone string
	// Dialer opens every connection to a member; memberdial.Direct() when nil.
	Dialer memberdial.Dialer
	// SecondInstance allows building a second operator in one process (tests that restart the operator);
	// controller-runtime otherwise refuses a repeated controller name.
	SecondInstance bool
	// ResyncInterval is how often each cluster's loop observes its members without a wake-up. Default 10s.
	ResyncInterval time.Duration
	// GracefulShutdownTimeout is how long the manager waits, once its context is cancelled (SIGTERM), for the
	// controllers and the cluster loops to finish what they are doing. Default DefaultGracefulShutdownTimeout;
	// negative waits without a limit.
	GracefulShutdownTimeout time.Duration
	// DNSZone is the zone of the role-aware SRV records (docs/dns.md). Default dnssrv.DefaultZone.
	DNSZone string
	// DNSAddr is where every replica answers the zone, UDP and TCP; "" or "0" disables the DNS server.
	DNSAddr string
	// DNSRoleTTL is the TTL of the SRV names. Default dnssrv.DefaultRoleTTL (1s).
	DNSRoleTTL time.Duration
	// DNSPublishServer, when set, is an external DNS primary (host:port) the leader keeps DNSZone's records on
	// with RFC 2136 updates signed with the TSIG key of DNSPublishKeySecret.
	DNSPublishServer string
	// DNSPublishKeySecret is that key's Secret (keys keyName and secret, hmac-sha256).
	DNSPublishKeySecret types.NamespacedName
	// DNSTransferKeySecret names the TSIG key Secret (keyName, secret) allowed AXFR/IXFR of the zone; none: refused.
	DNSTransferKeySecret types.NamespacedName
	// OnPass, when set, is called after every completed pass of a cluster loop (tests count them).
	OnPass func(key types.NamespacedName, err error)
}

// LeaderElectionID names the leader election lease (in LeaderElectionNamespace).
const LeaderElectionID = "orca.mysql.orca.dev"

// DefaultGracefulShutdownTimeout is the default Options.GracefulShutdownTimeout: a cluster loop's action (a
// switchover, a member join) gets this long to finish or clean up before the process exits.
const DefaultGracefulShutdownTimeout = 30 * time.Second

// NewScheme holds every kind the operator reads or writes.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add client-go kinds: %w", err)
	}
	if err := v1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add orca kinds: %w", err)
	}
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add CRD kinds: %w", err)
	}
	return s, nil
}

// New builds a manager with every controller registered; the caller starts it.
func New(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	scheme, err := NewScheme()
	if err != nil {
		return nil, err
	}
	if o.Dialer == nil {
		o.Dialer = memberdial.Direct()
	}
	mgr, err := ctrl.NewManager(cfg, managerOptions(scheme, o))
	if err != nil {
		return nil, fmt.Errorf("create manager: %w", err)
	}
	if err := setup(mgr, o); err != nil {
		return nil, err
	}
	return mgr, nil
}

// managerOptions are the manager's settings. The leader releases its lease when it stops (after the graceful
// shutdown), so a successor takes over at once instead of waiting for the lease to expire.
func managerOptions(scheme *runtime.Scheme, o Options) ctrl.Options {
	shutdown := o.GracefulShutdownTimeout
	if shutdown == 0 {
		shutdown = DefaultGracefulShutdownTimeout
	}
	return ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:        o.ProbeAddr,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       o.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       &shutdown,
		Cache:                         cacheOptions(),
		// A FIFO queue, not controller-runtime's priority queue: that one ranks every object of the cache's
		// initial list below any later event, so clusters that existed at start waited as long as other
		// clusters kept a controller busy (a hundred bootstrapping: over 20 minutes, with no finalizer).
		Controller: config.Controller{SkipNameValidation: ptr.To(o.SecondInstance), UsePriorityQueue: ptr.To(false)},
	}
}

// cacheOptions caches only the Secrets and Pods Orca made, so the operator never holds every Secret and Pod of
// the Kubernetes cluster in memory; a user's Secret is watched by its name (namedsecrets).
func cacheOptions() cache.Options {
	managed := labels.SelectorFromSet(labels.Set{v1.LabelManagedBy: v1.ManagedByOrca})
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&corev1.Secret{}: {Label: managed},
		&corev1.Pod{}:    {Label: managed},
	}}
}

// userSecrets watches the Secrets clusters name in spec.secretName; a change enqueues the clusters reading it.
func userSecrets(mgr ctrl.Manager) (*namedsecrets.Watcher, <-chan event.GenericEvent, error) {
	cs, err := kubernetes.NewForConfig(mgr.GetConfig())
	if err != nil {
		return nil, nil, fmt.Errorf("secrets client: %w", err)
	}
	events := make(chan event.GenericEvent, 1024)
	w := &namedsecrets.Watcher{Client: cs, Notify: func(user types.NamespacedName) {
		c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: user.Namespace, Name: user.Name}}
		select {
		case events <- event.GenericEvent{Object: c}:
		default: // full: the clusters queued already reconcile, and each reads the Secret as it is then
		}
	}}
	if err := mgr.Add(w); err != nil {
		return nil, nil, fmt.Errorf("add the secret watcher: %w", err)
	}
	return w, events, nil
}

func setup(mgr ctrl.Manager, o Options) error {
	events, err := eventBroadcaster(mgr)
	if err != nil {
		return err
	}
	mgr = recordingManager{Manager: mgr, events: events}
	secrets, secretEvents, err := userSecrets(mgr)
	if err != nil {
		return err
	}
	loops, err := addLoops(mgr, o, secrets)
	if err != nil {
		return err
	}
	schema, err := addWatchers(mgr)
	if err != nil {
		return err
	}
	r := &controllers.InnoDBClusterReconciler{Schema: schema, Loops: loops, Client: mgr.GetClient(),
		APIReader: mgr.GetAPIReader(), UserSecrets: secrets, UserSecretEvents: secretEvents, Scheme: mgr.GetScheme(),
		Recorder: mgr.GetEventRecorder("orca"), OrcaImage: o.OrcaImage, ClusterZone: o.ClusterZone}
	if err := r.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up innodbcluster controller: %w", err)
	}
	if err := setupControllers(mgr, o); err != nil {
		return err
	}
	if err := addHooks(mgr, o.HooksAddr, o.HooksListening); err != nil {
		return err
	}
	if err := addPprof(mgr, o.PprofAddr); err != nil {
		return err
	}
	return addProbes(mgr, o.ProbeAddr)
}

// addLoops adds the cluster loops (the leader's Group Replication actions), their monitor and the DNS server
// they feed.
func addLoops(mgr ctrl.Manager, o Options, secrets *namedsecrets.Watcher) (*clustering.Manager, error) {
	loops := &clustering.Manager{
		Client:      mgr.GetClient(),
		UserSecrets: secrets,
		OnPass:      o.OnPass,
		ClusterZone: o.ClusterZone,
		Executor: clustering.SQLExecutor{Connector: mysqladmin.Factory{Dialer: o.Dialer},
			Sessions: &clustering.Sessions{}},
		Recorder: mgr.GetEventRecorder("orca-clustering"),
		Interval: o.ResyncInterval,
		Log:      ctrl.Log.WithName("clustering"),
	}
	loops.Monitor = &clustering.Monitor{Dialer: o.Dialer, Wake: loops.Poke}
	if err := opmetrics.Register(ctrlmetrics.Registry, mgr.GetCache()); err != nil {
		return nil, err
	}
	loops.Metrics = opmetrics.Loops{}
	if err := setupDNS(mgr, o, loops); err != nil {
		return nil, err
	}
	if err := mgr.Add(loops); err != nil {
		return nil, fmt.Errorf("add cluster loops: %w", err)
	}
	return loops, nil
}

// addWatchers adds the CRD drift checker (returned: the cluster reconciler consults it) and the PITR chain
// watcher.
func addWatchers(mgr ctrl.Manager) (*crddrift.Checker, error) {
	schema := &crddrift.Checker{Reader: mgr.GetAPIReader(), Log: ctrl.Log.WithName("crd-drift")}
	if err := crddrift.RegisterMetrics(ctrlmetrics.Registry); err != nil {
		return nil, err
	}
	if err := mgr.Add(schema); err != nil {
		return nil, fmt.Errorf("add the CRD drift checker: %w", err)
	}
	chains := &pitrwatch.Watcher{Client: mgr.GetClient(), Secrets: mgr.GetAPIReader(),
		Log: ctrl.Log.WithName("pitr-chain"), Recorder: mgr.GetEventRecorder("orca-pitr")}
	if err := mgr.Add(chains); err != nil {
		return nil, fmt.Errorf("add the PITR chain watcher: %w", err)
	}
	return schema, nil
}

// setupControllers sets up the controllers of the other kinds (backups, schedules, migrations).
func setupControllers(mgr ctrl.Manager, o Options) error {
	c, api, scheme, rec := mgr.GetClient(), mgr.GetAPIReader(), mgr.GetScheme(), mgr.GetEventRecorder("orca")
	for _, x := range []struct {
		kind string
		r    interface{ SetupWithManager(ctrl.Manager) error }
	}{
		{"mysqlbackup", &controllers.MySQLBackupReconciler{Client: c, APIReader: api, Scheme: scheme, Recorder: rec,
			OrcaImage: o.OrcaImage, ClusterZone: o.ClusterZone}},
		{"mysqlrestore", &controllers.MySQLRestoreReconciler{Client: c, APIReader: api, Scheme: scheme, Recorder: rec,
			OrcaImage: o.OrcaImage, ClusterZone: o.ClusterZone}},
		{"backupschedule", &controllers.BackupScheduleReconciler{Client: c, Scheme: scheme, Recorder: rec}},
		{"migrationrun", &controllers.MigrationRunReconciler{Client: c, APIReader: api, Scheme: scheme,
			OrcaImage: o.OrcaImage, Recorder: rec, SRVZone: srvZone(o)}},
		{"migrationhook", &controllers.MigrationHookReconciler{Client: c, ExternalURL: o.HooksExternalURL}},
	} {
		if err := x.r.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("set up %s controller: %w", x.kind, err)
		}
	}
	return nil
}

// addProbes serves /healthz and /readyz unless the probe address is off.
func addProbes(mgr ctrl.Manager, addr string) error {
	if addr == "" || addr == "0" {
		return nil
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}
	return nil
}

// srvZone is the zone of the SRV records the operator serves, "" when its DNS server is off.
func srvZone(o Options) string {
	if o.DNSAddr == "" || o.DNSAddr == "0" {
		return ""
	}
	return orDefault(o.DNSZone, dnssrv.DefaultZone)
}

// setupDNS runs the DNS server on every replica, fed from the clusters' status (all replicas) and from the
// cluster loops' passes (the leader).
func setupDNS(mgr ctrl.Manager, o Options, loops *clustering.Manager) error {
	if o.DNSAddr == "" || o.DNSAddr == "0" {
		return nil
	}
	srv := &dnssrv.Server{Addr: o.DNSAddr, Logger: ctrl.Log.WithName("dns")}
	store := &dnssrv.Store{Config: dnssrv.ZoneConfig{Zone: o.DNSZone, RoleTTL: o.DNSRoleTTL}, Publish: srv.SetZone}
	if o.DNSPublishServer != "" {
		pub := &dnsfeed.Publisher{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
			Server: o.DNSPublishServer, Zone: orDefault(o.DNSZone, dnssrv.DefaultZone),
			KeySecret: o.DNSPublishKeySecret, Log: ctrl.Log.WithName("dns-publish")}
		store.Publish = func(z *dnssrv.Zone) error {
			pub.Notify(z)
			return srv.SetZone(z)
		}
		if err := mgr.Add(pub); err != nil {
			return fmt.Errorf("add dns publisher: %w", err)
		}
	}
	if err := store.Start(); err != nil {
		return fmt.Errorf("dns zone %q: %w", o.DNSZone, err)
	}
	loops.Sink = dnsfeed.LoopSink{Store: store, Log: ctrl.Log.WithName("dns")}
	feed := dnsfeed.Server{DNS: srv, TransferKeySecret: o.DNSTransferKeySecret, APIReader: mgr.GetAPIReader()}
	if err := mgr.Add(feed); err != nil {
		return fmt.Errorf("add dns server: %w", err)
	}
	r := &dnsfeed.StatusReconciler{Client: mgr.GetClient(), Store: store, ClusterZone: o.ClusterZone}
	return r.SetupWithManager(mgr)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
