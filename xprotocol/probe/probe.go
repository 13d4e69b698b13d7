// Package probe watches MySQL members over the X Protocol: one persistent session per member, ping as
// keepalive and latency measure, and Group Replication notices enabled so that any change triggers an
// immediate re-probe (as MySQL Router does). It runs no SQL of its own: a caller that wants the member's
// state reads it in Config.Observe, on the probe's session, after each ping. Results go to a callback and
// are kept for Last / Results.
package probe

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// Member names a server to watch.
type Member struct {
	// Name identifies the member in results (e.g. the pod name).
	Name string
	// Addr is host:port of its X Protocol listener.
	Addr string
}

// Trigger says why a probe ran.
type Trigger uint8

// Probe triggers.
const (
	TriggerInterval Trigger = iota // the periodic probe
	TriggerConnect                 // a (re)connection, or a failed attempt
	TriggerNotice                  // a Group Replication notice arrived
)

// String names the trigger.
func (t Trigger) String() string { return [...]string{"interval", "connect", "notice"}[min(int(t), 2)] }

// Result is one observation of a member; T is what Config.Observe reads.
type Result[T any] struct {
	Member string
	Addr   string
	// Reachable is true when the session answered ping.
	Reachable bool
	// Latency is the ping round trip.
	Latency time.Duration
	// Observed is what Config.Observe returned (its zero value without Observe or when ping failed).
	Observed T
	// Err is why the member is unreachable, or what Observe returned as its error.
	Err error
	// Trigger is why the probe ran; Notice is the GR notice that triggered it (nil otherwise).
	Trigger Trigger
	Notice  *wire.GroupReplicationStateChanged
	// NoticeAt is when the first notice of the burst that triggered the probe arrived (zero otherwise).
	NoticeAt time.Time
	// At is when the probe finished.
	At time.Time
}

// ObserveFunc reads what the caller wants to know of a member on the probe's session, after a successful
// ping; it must honour ctx (bounded by Config.Timeout).
type ObserveFunc[T any] func(ctx context.Context, s *xprotocol.Session) (T, error)

// Config configures a Prober.
type Config[T any] struct {
	// Session holds credentials, TLS mode and the injectable dialer for every member connection.
	Session xprotocol.Config
	// Interval between periodic probes. Default 1s.
	Interval time.Duration
	// Timeout bounds one connection attempt or one probe. Default 2s.
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the reconnect delay, which doubles after each failed attempt.
	// Defaults 250ms and 10s.
	MinBackoff, MaxBackoff time.Duration
	// OnResult receives every result, from the member's own goroutine: keep it short (hand it to a
	// channel or wake a loop).
	OnResult func(Result[T])
	// Observe, if set, runs after every successful ping; nil probes ping only.
	Observe ObserveFunc[T]
	// Logger receives connection errors at V(1). The zero Logger discards.
	Logger logr.Logger
}

func orDefault(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// Prober watches members. It is safe for concurrent use.
type Prober[T any] struct {
	cfg      Config[T]
	ctx      context.Context
	cancel   context.CancelFunc
	mu       sync.Mutex
	watchers map[string]*watcher[T]
	last     map[string]Result[T]
	wg       sync.WaitGroup
}

// New returns a Prober; call Watch for each member and Close when done.
func New[T any](cfg Config[T]) *Prober[T] {
	cfg.Interval = orDefault(cfg.Interval, time.Second)
	cfg.Timeout = orDefault(cfg.Timeout, 2*time.Second)
	cfg.MinBackoff = orDefault(cfg.MinBackoff, 250*time.Millisecond)
	cfg.MaxBackoff = orDefault(cfg.MaxBackoff, 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	return &Prober[T]{cfg: cfg, ctx: ctx, cancel: cancel, watchers: map[string]*watcher[T]{},
		last: map[string]Result[T]{}}
}

// Watch starts watching m (one goroutine and one session). Watching a known name with a new address
// restarts its watcher; the same address is a no-op.
func (p *Prober[T]) Watch(m Member) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx.Err() != nil {
		return
	}
	if w, ok := p.watchers[m.Name]; ok {
		if w.member.Addr == m.Addr {
			return
		}
		w.cancel()
	}
	ctx, cancel := context.WithCancel(p.ctx)
	w := &watcher[T]{p: p, member: m, cancel: cancel}
	p.watchers[m.Name] = w
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		w.run(ctx)
	}()
}

// Forget stops watching the named member and drops its last result.
func (p *Prober[T]) Forget(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w, ok := p.watchers[name]; ok {
		w.cancel()
		delete(p.watchers, name)
	}
	delete(p.last, name)
}

// Last returns the latest result for the named member.
func (p *Prober[T]) Last(name string) (Result[T], bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.last[name]
	return r, ok
}

// Results returns the latest result of every watched member.
func (p *Prober[T]) Results() []Result[T] {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Result[T], 0, len(p.last))
	for _, r := range p.last {
		out = append(out, r)
	}
	return out
}

// Close stops every watcher, closes their sessions and waits for their goroutines.
func (p *Prober[T]) Close() {
	p.cancel()
	p.wg.Wait()
}

func (p *Prober[T]) publish(w *watcher[T], r Result[T]) {
	p.mu.Lock()
	current := p.watchers[r.Member] == w
	if current {
		p.last[r.Member] = r
	}
	p.mu.Unlock()
	if current && p.cfg.OnResult != nil {
		p.cfg.OnResult(r)
	}
}
