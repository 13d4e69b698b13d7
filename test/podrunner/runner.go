package podrunner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Runner plays the kubelet for the pods that run one of Options.Images, until Stop.
type Runner struct {
	opts     Options
	log      logr.Logger
	client   client.Client // pods from the cache; status writes, deletions, token requests
	reader   client.Reader // uncached: Secrets, ConfigMaps, nodes, claims
	recorder events.EventRecorder
	addrs    *addressPool
	ips      *podIPPool
	dir      string
	ownDir   bool
	runCtx   context.Context // ends with Stop
	cancel   context.CancelFunc
	done     chan error
	once     sync.Once
	workerWG sync.WaitGroup

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	procs   []*procRecord
	fileMu  sync.Mutex // serialises writes of the address file
}

// procRecord is one process the runner started, for Processes.
type procRecord struct {
	pod       types.NamespacedName
	container string
	proc      *process
}

// Start watches the control plane and runs the pods of Options.Images until Stop. ctx bounds the start only.
func Start(ctx context.Context, opts Options) (*Runner, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	addrs, err := newAddressPool(opts.BaseAddress)
	if err != nil {
		return nil, fmt.Errorf("podrunner: %w", err)
	}
	r := &Runner{opts: opts, log: opts.Logger, addrs: addrs, ips: newPodIPPool(), dir: opts.Dir,
		done: make(chan error, 1), workers: map[types.UID]*podWorker{}}
	if r.dir == "" {
		if r.dir, err = os.MkdirTemp("", "orca-podrunner-"); err != nil {
			return nil, fmt.Errorf("podrunner: make folder: %w", err)
		}
		r.ownDir = true
	}
	mgr, err := r.newManager()
	if err != nil {
		return nil, err
	}
	if err := r.writeAddressFile(); err != nil {
		return nil, err
	}
	r.runCtx, r.cancel = context.WithCancel(context.Background())
	go func() { r.done <- mgr.Start(r.runCtx) }()
	syncCtx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		r.Stop()
		return nil, fmt.Errorf("podrunner: pod cache did not sync: %w", context.Cause(syncCtx))
	}
	return r, nil
}

func (r *Runner) newManager() (manager.Manager, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("podrunner: build scheme: %w", err)
	}
	mgr, err := manager.New(r.opts.Config, manager.Options{
		Scheme: scheme, Logger: r.log, Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Several runners (and the operator under test) may run in one test binary.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		return nil, fmt.Errorf("podrunner: build manager: %w", err)
	}
	r.client, r.reader = mgr.GetClient(), mgr.GetAPIReader()
	r.recorder = mgr.GetEventRecorder(FieldManager)
	err = builder.ControllerManagedBy(mgr).Named("podrunner").
		For(&corev1.Pod{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			p, ok := o.(*corev1.Pod)
			return ok && r.runs(p)
		}))).
		Complete(r)
	if err != nil {
		return nil, fmt.Errorf("podrunner: build controller: %w", err)
	}
	return mgr, nil
}

// runs reports whether the pod is the runner's: a container (not an init container) runs one of its images
// (not an InitOnly one).
func (r *Runner) runs(p *corev1.Pod) bool {
	for _, c := range p.Spec.Containers {
		if img, ok := r.opts.Images[c.Image]; ok && !img.InitOnly {
			return true
		}
	}
	return false
}

// Reconcile hands the pod's latest version to its worker (starting one for a newly scheduled pod) and tells the
// workers of pods gone (or replaced under the same name) that they are.
func (r *Runner) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	var pod corev1.Pod
	err := r.client.Get(ctx, req.NamespacedName, &pod)
	if client.IgnoreNotFound(err) != nil {
		return reconcile.Result{}, fmt.Errorf("read pod %s: %w", req.NamespacedName, err)
	}
	found := err == nil
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runCtx.Err() != nil {
		return reconcile.Result{}, nil
	}
	for uid, w := range r.workers {
		if w.key == req.NamespacedName && (!found || uid != pod.UID) {
			w.markGone()
		}
	}
	if !found || pod.Spec.NodeName == "" {
		return reconcile.Result{}, nil
	}
	w := r.workers[pod.UID]
	if w == nil {
		w = newPodWorker(r, &pod)
		r.workers[pod.UID] = w
		r.workerWG.Add(1)
		go func() {
			defer r.workerWG.Done()
			w.loop(r.runCtx)
		}()
	}
	w.notify(pod.DeepCopy())
	return reconcile.Result{}, nil
}

// forget drops a finished worker.
func (r *Runner) forget(w *podWorker) {
	r.mu.Lock()
	if r.workers[w.uid] == w {
		delete(r.workers, w.uid)
	}
	r.mu.Unlock()
	if err := r.writeAddressFile(); err != nil {
		r.log.Error(err, "write address file")
	}
}

func (r *Runner) record(pod types.NamespacedName, container string, p *process) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.procs = append(r.procs, &procRecord{pod: pod, container: container, proc: p})
}

// Stop stops every process (SIGTERM, SIGKILL after Options.StopGrace), stops watching and removes the folder it
// made. Pods keep the status last written. Safe to call more than once.
func (r *Runner) Stop() {
	r.once.Do(func() {
		if r.cancel != nil {
			r.mu.Lock()
			r.cancel()
			r.mu.Unlock()
			r.workerWG.Wait()
			if err := <-r.done; err != nil {
				r.log.Error(err, "watcher stopped with an error")
			}
		}
		if r.ownDir {
			if err := os.RemoveAll(r.dir); err != nil {
				r.log.Error(err, "remove folder")
			}
		}
	})
}

// PodInfo describes one pod the runner runs.
type PodInfo struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       types.UID `json:"uid"`
	// Address is the pod's loopback address: where its processes listen ("" before its sandbox is set up).
	Address string `json:"address"`
	// PodIP is the fake pod IP written in its status (never dialled).
	PodIP string `json:"podIP"`
	// Dir is the pod's folder (volumes, working folder).
	Dir string `json:"dir"`
}

// Pods lists the pods the runner runs, sorted by namespace and name.
func (r *Runner) Pods() []PodInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]PodInfo, 0, len(r.workers))
	for _, w := range r.workers {
		out = append(out, w.info())
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Namespace+"/"+out[i].Name < out[j].Namespace+"/"+out[j].Name
	})
	return out
}

// Address returns the loopback address of a pod the runner runs ("" when it runs none of that name yet), as
// simworld.World.Address does for members: test/serviceproxy forwards a Service's connections there.
func (r *Runner) Address(namespace, pod string) string {
	for _, p := range r.Pods() {
		if p.Namespace == namespace && p.Name == pod && p.Address != "" {
			return p.Address
		}
	}
	return ""
}

// ProcessInfo is one container process the runner started.
type ProcessInfo struct {
	Namespace, Pod, Container string
	PID                       int
	// Exited is set once the process ended (and was reaped); ExitCode is then its exit code (128+signal).
	Exited   bool
	ExitCode int32
	// Log holds the process's output.
	Log string
}

// Processes lists every process the runner started, in start order: after Stop, every one has exited.
func (r *Runner) Processes() []ProcessInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ProcessInfo, 0, len(r.procs))
	for _, rec := range r.procs {
		info := ProcessInfo{Namespace: rec.pod.Namespace, Pod: rec.pod.Name, Container: rec.container,
			PID: rec.proc.pid, Log: rec.proc.spec.Log}
		if rec.proc.exited() {
			info.Exited, info.ExitCode = true, rec.proc.exitCode
		}
		out = append(out, info)
	}
	return out
}

// LogPath returns the log of the latest process of a pod's container ("" before it first started).
func (r *Runner) LogPath(namespace, pod, container string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.procs) - 1; i >= 0; i-- {
		rec := r.procs[i]
		if rec.pod.Namespace == namespace && rec.pod.Name == pod && rec.container == container {
			return rec.proc.spec.Log
		}
	}
	return ""
}

// writeAddressFile publishes the pods' addresses in Options.AddressFile (atomically).
func (r *Runner) writeAddressFile() error {
	if r.opts.AddressFile == "" {
		return nil
	}
	r.fileMu.Lock()
	defer r.fileMu.Unlock()
	m := map[string]string{}
	for _, p := range r.Pods() {
		if p.Address != "" {
			m[p.Namespace+"/"+p.Name] = p.Address
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("podrunner: encode addresses: %w", err)
	}
	tmp := r.opts.AddressFile + ".tmp." + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("podrunner: write address file: %w", err)
	}
	if err := os.Rename(tmp, r.opts.AddressFile); err != nil {
		return fmt.Errorf("podrunner: write address file: %w", err)
	}
	return nil
}

// podDir and logDir are the folders of one pod.
func (r *Runner) podDir(p *corev1.Pod) string {
	return filepath.Join(r.dir, "pods", p.Namespace+"_"+p.Name+"_"+string(p.UID))
}

func (r *Runner) logDir(p *corev1.Pod) string {
	return filepath.Join(r.dir, "logs", p.Namespace+"_"+p.Name+"_"+string(p.UID))
}
