package serviceproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Rule chooses the ports of one Service to forward.
type Rule struct {
	// Namespace and Service name the Service. Required.
	Namespace, Service string
	// Ports are the Service ports to forward, by number. Empty: every port of the Service.
	Ports []int32
	// Host is the loopback address to listen on. Default 127.0.0.1.
	Host string
	// AnyPort listens on a free port (kept for the Rule's life) instead of each Service port's own number, for
	// tests running side by side; Addr tells where.
	AnyPort bool
}

func (r Rule) wants(port int32) bool {
	if len(r.Ports) == 0 {
		return true
	}
	for _, p := range r.Ports {
		if p == port {
			return true
		}
	}
	return false
}

// Options configure Start.
type Options struct {
	// Config reaches the kube-apiserver. Required.
	Config *rest.Config
	// Resolver maps endpoint pods to loopback addresses. Required.
	Resolver Resolver
	// Rules are forwarded from the start; Add adds more.
	Rules []Rule
	// Resync is how often the endpoints are looked at again without an API event (the resolver learns
	// addresses on its own). Default 1s.
	Resync time.Duration
	// DialTimeout bounds the connection to the chosen endpoint. Default 5s.
	DialTimeout time.Duration
	// MapFile, when set, receives the listening Service ports as JSON ({"<service>.<namespace>.svc:<port>":
	// "127.x.y.z:port"}, see ServiceAddress), rewritten when they change: the map pods run by test/podrunner dial
	// Services through (podrunner.Options.ServiceMap). Empty: none.
	MapFile string
	// Logger receives what the proxy does. Default: discards.
	Logger logr.Logger
}

// Proxy forwards the connections of its rules' Services until Stop.
type Proxy struct {
	opts   Options
	log    logr.Logger
	cache  cache.Cache
	cancel context.CancelFunc
	kick   chan struct{}
	wg     sync.WaitGroup // the cache, the sync loop, listeners and connections
	once   sync.Once

	mu    sync.Mutex
	rules []Rule
	fwd   map[portKey]*forwarder

	written map[string]string // what MapFile holds; only the sync loop writes it
}

// portKey is one forwarded Service port.
type portKey struct {
	namespace, service string
	port               int32
}

// Start watches Services and EndpointSlices and forwards the rules' ports. ctx bounds the start only.
func Start(ctx context.Context, opts Options) (*Proxy, error) {
	if opts.Config == nil || opts.Resolver == nil {
		return nil, errors.New("serviceproxy: Options.Config and Options.Resolver are required")
	}
	if opts.Resync <= 0 {
		opts.Resync = time.Second
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 5 * time.Second
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("serviceproxy: build scheme: %w", err)
	}
	c, err := cache.New(opts.Config, cache.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("serviceproxy: make cache: %w", err)
	}
	p := &Proxy{opts: opts, log: opts.Logger, cache: c, kick: make(chan struct{}, 1), fwd: map[portKey]*forwarder{}}
	for _, r := range opts.Rules {
		if err := p.Add(r); err != nil {
			return nil, err
		}
	}
	for _, obj := range []client.Object{&corev1.Service{}, &discoveryv1.EndpointSlice{}} {
		inf, err := c.GetInformer(ctx, obj)
		if err != nil {
			return nil, fmt.Errorf("serviceproxy: watch %T: %w", obj, err)
		}
		poke := func(any) { p.poke() }
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc: poke, UpdateFunc: func(any, any) { p.poke() }, DeleteFunc: poke,
		}); err != nil {
			return nil, fmt.Errorf("serviceproxy: watch %T: %w", obj, err)
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := c.Start(runCtx); err != nil {
			p.log.Error(err, "watch stopped")
		}
	}()
	if !c.WaitForCacheSync(ctx) {
		p.Stop()
		return nil, fmt.Errorf("serviceproxy: caches did not sync: %w", context.Cause(ctx))
	}
	p.sync(runCtx)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.loop(runCtx)
	}()
	return p, nil
}

// Add forwards one more Service's ports.
func (p *Proxy) Add(r Rule) error {
	if r.Namespace == "" || r.Service == "" {
		return errors.New("serviceproxy: a rule needs a namespace and a Service")
	}
	if r.Host == "" {
		r.Host = "127.0.0.1"
	}
	if ip := net.ParseIP(r.Host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("serviceproxy: listen host %q is not a loopback address", r.Host)
	}
	p.mu.Lock()
	p.rules = append(p.rules, r)
	p.mu.Unlock()
	p.poke()
	return nil
}

func (p *Proxy) poke() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *Proxy) loop(ctx context.Context) {
	tick := time.NewTicker(p.opts.Resync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.kick:
		case <-tick.C:
		}
		p.sync(ctx)
	}
}

// sync gives every forwarded port its current backends: listening while it has one, refusing otherwise.
func (p *Proxy) sync(ctx context.Context) {
	p.mu.Lock()
	rules := append([]Rule(nil), p.rules...)
	p.mu.Unlock()
	for _, r := range rules {
		ports, slices, err := p.service(ctx, r)
		if err != nil {
			p.log.Error(err, "read service", "service", r.Namespace+"/"+r.Service)
			continue
		}
		seen := map[int32]bool{}
		for _, sp := range ports {
			seen[sp.Port] = true
			p.forwarder(r, sp.Port).set(backends(sp, slices, p.opts.Resolver))
		}
		p.mu.Lock()
		for k, f := range p.fwd {
			// Only the rule's own ports: another rule may forward other ports of the same Service.
			if k.namespace == r.Namespace && k.service == r.Service && r.wants(k.port) && !seen[k.port] {
				f.set(nil) // the Service lost the port, or is gone
			}
		}
		p.mu.Unlock()
	}
	if err := p.writeMapFile(); err != nil {
		p.log.Error(err, "publish the service map")
	}
}

// service returns the rule's Service ports and the Service's EndpointSlices (none when it does not exist).
func (p *Proxy) service(ctx context.Context, r Rule) ([]corev1.ServicePort, []discoveryv1.EndpointSlice, error) {
	var svc corev1.Service
	err := p.cache.Get(ctx, types.NamespacedName{Namespace: r.Namespace, Name: r.Service}, &svc)
	if apierrors.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("get service: %w", err)
	}
	var slices discoveryv1.EndpointSliceList
	if err := p.cache.List(ctx, &slices, client.InNamespace(r.Namespace),
		client.MatchingLabels{discoveryv1.LabelServiceName: r.Service}); err != nil {
		return nil, nil, fmt.Errorf("list endpoint slices: %w", err)
	}
	var ports []corev1.ServicePort
	for _, sp := range svc.Spec.Ports {
		if sp.Protocol == corev1.ProtocolTCP || sp.Protocol == "" {
			if r.wants(sp.Port) {
				ports = append(ports, sp)
			}
		}
	}
	return ports, slices.Items, nil
}

func (p *Proxy) forwarder(r Rule, port int32) *forwarder {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := portKey{r.Namespace, r.Service, port}
	f := p.fwd[k]
	if f == nil {
		listen := int(port)
		if r.AnyPort {
			listen = 0
		}
		f = &forwarder{name: fmt.Sprintf("%s/%s:%d", r.Namespace, r.Service, port), host: r.Host, port: listen,
			dialTimeout: p.opts.DialTimeout, log: p.log, wg: &p.wg, conns: map[net.Conn]struct{}{}}
		p.fwd[k] = f
	}
	return f
}

// Addr returns where a Service port is reachable now ("host:port"), "" while it has no ready endpoint (or is
// not forwarded).
func (p *Proxy) Addr(namespace, service string, port int32) string {
	p.mu.Lock()
	f := p.fwd[portKey{namespace, service, port}]
	p.mu.Unlock()
	if f == nil {
		return ""
	}
	return f.addr()
}

// Forwarded lists the forwarded Service ports that are listening, as "namespace/service:port -> host:port".
func (p *Proxy) Forwarded() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for k, f := range p.fwd {
		if a := f.addr(); a != "" {
			out = append(out, fmt.Sprintf("%s/%s:%d -> %s", k.namespace, k.service, k.port, a))
		}
	}
	sort.Strings(out)
	return out
}

// Stop closes every listener and connection and stops watching. Safe to call more than once.
func (p *Proxy) Stop() {
	p.once.Do(func() {
		if p.cancel != nil {
			p.cancel()
		}
		p.mu.Lock()
		for _, f := range p.fwd {
			f.close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
}
