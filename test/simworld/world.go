package simworld

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/test/mysqlsim"
)

// DefaultBaseAddress is the address of the first member; the next ones count up from it.
const DefaultBaseAddress = "127.0.0.2"

// Options configure Start.
type Options struct {
	// Config reaches the kube-apiserver. Required.
	Config *rest.Config
	// Dialer is where members are published (their DNS name and pod name mapped to their loopback address).
	// Default: a new memberdial.Loopback, returned by World.Dialer.
	Dialer *memberdial.Loopback
	// DataDSN is the go-sql-driver/mysql DSN of the MariaDB that holds every group's data. Empty: data
	// statements fail (admin SQL still works).
	DataDSN string
	// BaseAddress is the first member address. Default DefaultBaseAddress. Addresses where something else
	// already listens on a member's ports are skipped.
	BaseAddress string
	// Sim is the template of every cluster's mysqlsim.Config (timings, clock); DataDSN replaces its DataDSN.
	Sim mysqlsim.Config
	// MapFile, when set, also receives the published mappings as JSON ({"name": "127.0.0.N"}), for an
	// operator running in another process (memberdial.NewLoopbackFile).
	MapFile string
	// ContainerRestartDelay is how long after mysqld exits while its pod runs (a crash, SHUTDOWN, the end of a
	// clone without a supervisor) the kubelet restarts the container. The container's status shows the exit
	// (terminated) for the first half of it and the back-off (waiting, CrashLoopBackOff) for the second. Zero:
	// never; a member crashed on purpose stays down (terminated) until the test restarts it or its pod is
	// replaced.
	ContainerRestartDelay time.Duration
	// Logger receives what the world does. Default: discards.
	Logger logr.Logger
}

// World runs the simulated members of every InnoDBCluster on one control plane.
type World struct {
	opts   Options
	dialer *memberdial.Loopback
	addrs  *addressBook
	reader client.Reader // uncached reads of ConfigMaps, Secrets and nodes
	cache  client.Reader // pods and claims
	writer client.Client // pod status (the kubelet's part)
	log    logr.Logger
	runCtx context.Context // ends with Stop
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	// wake queues a pod's pass when its mysqld changes (a crash sends no Kubernetes event).
	wake chan event.TypedGenericEvent[types.NamespacedName]

	mu         sync.Mutex
	clusters   map[clusterKey]*cluster
	members    map[types.NamespacedName]*member
	containers map[types.NamespacedName]*containerRun // the mysql container of each running member pod
	published  map[string]string                      // dial name -> address, as in the dialer
	tombstones map[types.NamespacedName]types.UID     // pods deleted with a grace period (SIGTERM, not SIGKILL)
}

type clusterKey struct{ Namespace, Name string }

// cluster is one InnoDBCluster's group, the listeners of its members, and the watch on their mysqld.
type cluster struct {
	group      *mysqlsim.Group
	fe         *mysqlsim.Frontends
	stopWatch  context.CancelFunc
	watchEnded chan struct{}
}

// member is the simulated mysqld of one pod.
type member struct {
	cluster   clusterKey
	sim       *mysqlsim.Member
	cfg       mysqlsim.MemberConfig
	podUID    types.UID
	claimUID  types.UID
	claimName string
	names     []string  // published dial names: the DNS name, then the pod name
	downSince time.Time // when it was first seen down while its pod runs (container restarts)
	// starts counts the boots simworld made for podUID (container starts); stop says how simworld itself last
	// stopped it, for the exit code.
	starts  int
	stop    stopNote
	network PodNetwork
}

// stopNote remembers that simworld stopped a boot of the member itself, and how.
type stopNote struct {
	run   mysqldRun
	cause exitCause
}

// Start watches the control plane and runs members for its MySQL pods until Stop. ctx bounds the start only.
func Start(ctx context.Context, opts Options) (*World, error) {
	if opts.Config == nil {
		return nil, errors.New("simworld: Options.Config is required")
	}
	if opts.BaseAddress == "" {
		opts.BaseAddress = DefaultBaseAddress
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	addrs, err := newAddressBook(opts.BaseAddress)
	if err != nil {
		return nil, fmt.Errorf("simworld: %w", err)
	}
	w := &World{opts: opts, dialer: opts.Dialer, addrs: addrs, log: opts.Logger, done: make(chan error, 1),
		wake:     make(chan event.TypedGenericEvent[types.NamespacedName], 256),
		clusters: map[clusterKey]*cluster{}, members: map[types.NamespacedName]*member{},
		containers: map[types.NamespacedName]*containerRun{},
		published:  map[string]string{}, tombstones: map[types.NamespacedName]types.UID{}}
	if w.dialer == nil {
		w.dialer = memberdial.NewLoopback()
	}
	mgr, err := w.newManager()
	if err != nil {
		return nil, err
	}
	if err := w.writeMapFile(); err != nil {
		return nil, err
	}
	w.runCtx, w.cancel = context.WithCancel(context.Background())
	go func() { w.done <- mgr.Start(w.runCtx) }()
	syncCtx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		w.Stop()
		return nil, fmt.Errorf("simworld: pod and claim caches did not sync: %w", context.Cause(syncCtx))
	}
	return w, nil
}

func (w *World) newManager() (manager.Manager, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("simworld: build scheme: %w", err)
	}
	mysqlPods := cache.ByObject{Label: labels.SelectorFromSet(labels.Set{v1.LabelComponent: v1.ComponentMySQL})}
	mgr, err := manager.New(w.opts.Config, manager.Options{
		Scheme: scheme, Logger: w.log, Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}: mysqlPods, &corev1.PersistentVolumeClaim{}: mysqlPods,
		}},
		// Several worlds (and the operator under test) may run in one test binary.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		return nil, fmt.Errorf("simworld: build manager: %w", err)
	}
	w.reader, w.cache, w.writer = mgr.GetAPIReader(), mgr.GetClient(), mgr.GetClient()
	err = builder.ControllerManagedBy(mgr).Named("simworld").
		WatchesRawSource(source.Kind(mgr.GetCache(), &corev1.Pod{}, w.podEvents())).
		WatchesRawSource(source.Kind(mgr.GetCache(), &corev1.PersistentVolumeClaim{}, claimEvents())).
		WatchesRawSource(source.Channel(w.wake, wakeEvents())).
		Complete(w)
	if err != nil {
		return nil, fmt.Errorf("simworld: build controller: %w", err)
	}
	return mgr, nil
}

// Stop stops watching, crashes every member and closes every listener. Safe to call more than once.
func (w *World) Stop() {
	w.once.Do(func() {
		if w.cancel != nil {
			w.cancel()
			if err := <-w.done; err != nil {
				w.log.Error(err, "watcher stopped with an error")
			}
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		for key, c := range w.clusters {
			c.close()
			delete(w.clusters, key)
		}
		for name := range w.published {
			w.dialer.Delete(name)
			delete(w.published, name)
		}
		if err := w.writeMapFileLocked(); err != nil {
			w.log.Error(err, "clear member map file")
		}
	})
}

// Dialer is the loopback dialer members are published in.
func (w *World) Dialer() *memberdial.Loopback { return w.dialer }

// Group returns the simulated group of an InnoDBCluster, nil before its first member started. Use it to
// inject failures (crash, isolate, error, lose all...).
func (w *World) Group(namespace, cluster string) *mysqlsim.Group {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.clusters[clusterKey{namespace, cluster}]; c != nil {
		return c.group
	}
	return nil
}

// Member returns the simulated member of a pod, nil when it has none (never ran, or its claim was deleted).
func (w *World) Member(namespace, pod string) *mysqlsim.Member {
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := w.members[types.NamespacedName{Namespace: namespace, Name: pod}]; m != nil {
		return m.sim
	}
	return nil
}

// Address returns the loopback address of a pod's member ("" before it first started).
func (w *World) Address(namespace, pod string) string {
	return w.addrs.lookup(types.NamespacedName{Namespace: namespace, Name: pod}.String())
}

// ClusterInfo describes one simulated cluster.
type ClusterInfo struct {
	Namespace string       `json:"namespace"`
	Name      string       `json:"name"`
	Members   []MemberInfo `json:"members"`
}

// MemberInfo is one member with the pod it plays, the name it is published under and the pod's place on the
// (fake, never dialled) pod network.
type MemberInfo struct {
	mysqlsim.MemberStatus
	Pod        string     `json:"pod"`
	ReportHost string     `json:"reportHost"`
	Network    PodNetwork `json:"network"`
}

// Clusters lists the simulated clusters and their members, sorted by namespace and name.
func (w *World) Clusters() []ClusterInfo {
	w.mu.Lock()
	byCluster := map[clusterKey][]member{}
	for _, m := range w.members {
		byCluster[m.cluster] = append(byCluster[m.cluster], *m)
	}
	w.mu.Unlock()
	var out []ClusterInfo
	for key, ms := range byCluster {
		info := ClusterInfo{Namespace: key.Namespace, Name: key.Name}
		for _, m := range ms {
			info.Members = append(info.Members, MemberInfo{MemberStatus: m.sim.Status(), Pod: m.sim.Name(),
				ReportHost: m.names[0], Network: m.network})
		}
		sort.Slice(info.Members, func(i, j int) bool { return info.Members[i].Pod < info.Members[j].Pod })
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
	})
	return out
}

func (c *cluster) close() {
	c.stopWatch()
	<-c.watchEnded
	c.fe.Shutdown()
	_ = c.group.Close()
}
