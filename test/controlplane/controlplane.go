package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ControlPlane is a running etcd + kube-apiserver (and, when simulated, controller-manager, scheduler
// and kwok) on 127.0.0.1.
type ControlPlane struct {
	// Dir holds certificates (pki/), etcd data, kubeconfigs and the <component>.log files.
	Dir string
	// Kubeconfig is the admin kubeconfig (token user in system:masters).
	Kubeconfig string
	// Server is the apiserver URL, https://127.0.0.1:<port>.
	Server string
	// Token is the admin bearer token.
	Token string
	// CAFile is the cluster CA certificate (PEM).
	CAFile string
	// Ports are the loopback ports in use.
	Ports Ports
	// Config is a rest.Config for the admin user.
	Config *rest.Config
	// Client is a controller-runtime client for the admin user, with the client-go scheme.
	Client client.Client
	// Binaries are the executables started.
	Binaries Binaries

	opts     Options
	ownDir   bool
	mu       sync.Mutex
	procs    []*Process
	stopOnce sync.Once
	stopErr  error
}

// Start starts a control plane and waits until it serves (and, when simulated, until the fake nodes
// are Ready and the default ServiceAccount exists). ctx bounds the start only; the processes run until
// Stop (or, detached, until something kills them). On failure everything started is stopped and the error
// holds the tail of the failing component's log.
func Start(ctx context.Context, opts Options) (*ControlPlane, error) {
	opts = opts.withDefaults()
	bins, err := FindBinaries(opts.Simulated, opts.Build)
	if err != nil {
		return nil, err
	}
	cp := &ControlPlane{Dir: opts.Dir, Binaries: bins, opts: opts}
	if cp.Dir == "" {
		if cp.Dir, err = os.MkdirTemp("", "orca-controlplane-"); err != nil {
			return nil, fmt.Errorf("make control-plane folder: %w", err)
		}
		cp.ownDir = true
	} else if err := os.MkdirAll(cp.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("make control-plane folder: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	for attempt := 1; ; attempt++ {
		err = cp.start(ctx)
		if err == nil {
			return cp, nil
		}
		// A free port can be taken by someone else between picking and binding: try again afresh.
		if attempt < 3 && ctx.Err() == nil && strings.Contains(err.Error(), "address already in use") {
			if err = cp.reset(); err == nil {
				continue
			}
		}
		return nil, errors.Join(fmt.Errorf("start control plane in %s: %w", cp.Dir, err), cp.Stop())
	}
}

// reset stops the processes of a failed start and empties Dir for the next attempt.
func (cp *ControlPlane) reset() error {
	errs := []error{cp.stopProcesses()}
	entries, err := os.ReadDir(cp.Dir)
	errs = append(errs, err)
	for _, e := range entries {
		errs = append(errs, os.RemoveAll(filepath.Join(cp.Dir, e.Name())))
	}
	return errors.Join(errs...)
}

func (cp *ControlPlane) start(ctx context.Context) error {
	l := layout{dir: cp.Dir}
	ports, err := freePorts(5)
	if err != nil {
		return err
	}
	cp.Ports = Ports{EtcdClient: ports[0], EtcdPeer: ports[1], APIServer: ports[2]}
	if cp.opts.Simulated {
		cp.Ports.ControllerManager, cp.Ports.Scheduler = ports[3], ports[4]
	}
	if cp.Token, err = writeFiles(l, cp.Ports, cp.opts.ProcessImages); err != nil {
		return err
	}
	cp.Kubeconfig, cp.CAFile = l.adminKubeconfig(), l.caCert()
	cp.Server = loopbackURL("https", cp.Ports.APIServer)
	caPEM, err := os.ReadFile(cp.CAFile)
	if err != nil {
		return fmt.Errorf("read CA: %w", err)
	}
	if err := cp.startCore(ctx, l, caPEM); err != nil {
		return err
	}
	if cp.Config, err = LoadKubeconfig(cp.Kubeconfig); err != nil {
		return err
	}
	if cp.Client, err = NewClient(cp.Config); err != nil {
		return err
	}
	if !cp.opts.Simulated {
		return nil
	}
	return cp.startSimulated(ctx, l, caPEM)
}

// startCore starts etcd and the apiserver, each after the previous one is healthy.
func (cp *ControlPlane) startCore(ctx context.Context, l layout, caPEM []byte) error {
	etcd, err := cp.launch("etcd", cp.Binaries.Etcd, etcdArgs(l, cp.Ports))
	if err != nil {
		return err
	}
	etcdHealth := healthCheck{proc: etcd, url: loopbackURL("http", cp.Ports.EtcdClient) + "/health",
		client: newHTTPClient(nil)}
	if err := etcdHealth.wait(ctx); err != nil {
		return err
	}
	api, err := cp.launch("kube-apiserver", cp.Binaries.APIServer, apiServerArgs(l, cp.Ports))
	if err != nil {
		return err
	}
	return healthCheck{proc: api, url: cp.Server + "/readyz", token: cp.Token, client: newHTTPClient(caPEM)}.wait(ctx)
}

// startSimulated starts controller-manager, scheduler and kwok together, creates nodes and storage,
// then waits for all of it.
func (cp *ControlPlane) startSimulated(ctx context.Context, l layout, caPEM []byte) error {
	cidrs, err := NodePodCIDRs(cp.opts.PodCIDR, cp.opts.Nodes)
	if err != nil {
		return err
	}
	kcm, err := cp.launch("kube-controller-manager", cp.Binaries.ControllerManager, controllerManagerArgs(l, cp.Ports))
	if err != nil {
		return err
	}
	sched, err := cp.launch("kube-scheduler", cp.Binaries.Scheduler, schedulerArgs(l, cp.Ports))
	if err != nil {
		return err
	}
	kwok, err := cp.launch("kwok", cp.Binaries.Kwok, kwokArgs(l, cp.opts.PodCIDR))
	if err != nil {
		return err
	}
	objs, err := storageObjects(cp.opts.Volumes, cp.opts.VolumeCapacity)
	if err != nil {
		return err
	}
	for i, cidr := range cidrs {
		objs = append(objs, fakeNode(i, cidr.String()))
	}
	if err := createAll(ctx, cp.Client, objs); err != nil {
		return err
	}
	httpc := newHTTPClient(caPEM)
	for _, h := range []healthCheck{
		{proc: kcm, url: loopbackURL("https", cp.Ports.ControllerManager) + "/healthz", client: httpc},
		{proc: sched, url: loopbackURL("https", cp.Ports.Scheduler) + "/healthz", client: httpc},
	} {
		if err := h.wait(ctx); err != nil {
			return err
		}
	}
	if err := waitNodesReady(ctx, cp.Client, cp.opts.Nodes); err != nil {
		return withExit(kwok, err)
	}
	if err := waitServiceAccount(ctx, cp.Client); err != nil {
		return withExit(kcm, err)
	}
	return nil
}

// withExit prefers the process's exit and log over a timeout it caused.
func withExit(p *Process, err error) error {
	if exit := p.ExitErr(); exit != nil {
		return startError(p, exit)
	}
	return startError(p, err)
}

func (cp *ControlPlane) launch(name, path string, args []string) (*Process, error) {
	args = append(args, cp.opts.ExtraArgs[name]...)
	p, err := StartProcess(ProcessSpec{Name: name, Path: path, Args: args, LogDir: cp.Dir, Detach: cp.opts.Detach})
	if err != nil {
		return nil, err
	}
	cp.mu.Lock()
	cp.procs = append(cp.procs, p)
	cp.mu.Unlock()
	return p, nil
}

// Processes returns the started processes in start order.
func (cp *ControlPlane) Processes() []*Process {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return append([]*Process(nil), cp.procs...)
}

// Stop kills every process it started (whole process groups, newest first), waits for them, and
// removes Dir when Start made it. Safe to call more than once.
func (cp *ControlPlane) Stop() error {
	cp.stopOnce.Do(func() {
		errs := []error{cp.stopProcesses()}
		if cp.ownDir {
			errs = append(errs, os.RemoveAll(cp.Dir))
		}
		cp.stopErr = errors.Join(errs...)
	})
	return cp.stopErr
}

// stopProcesses stops the started processes, newest first, and forgets them.
func (cp *ControlPlane) stopProcesses() error {
	cp.mu.Lock()
	procs := cp.procs
	cp.procs = nil
	cp.mu.Unlock()
	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		errs = append(errs, procs[i].Stop(cp.opts.StopGrace))
	}
	return errors.Join(errs...)
}

// NewClient returns a controller-runtime client with the client-go scheme (core, apps, storage, ...).
func NewClient(cfg *rest.Config) (client.Client, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("build scheme: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("make client: %w", err)
	}
	return c, nil
}
