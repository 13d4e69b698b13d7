package probe

import (
	"context"
	"fmt"
	"time"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// watcher owns one member's session and probe loop.
type watcher[T any] struct {
	p      *Prober[T]
	member Member
	cancel context.CancelFunc
}

func (w *watcher[T]) run(ctx context.Context) {
	cfg := w.p.cfg
	backoff := cfg.MinBackoff
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for ctx.Err() == nil {
		s, err := w.connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.p.publish(w, w.unreachable(err, TriggerConnect))
			cfg.Logger.V(1).Info("member unreachable over x protocol", "member", w.member.Name, "error", err.Error())
			if !sleep(ctx, timer, backoff) {
				return
			}
			backoff = min(2*backoff, cfg.MaxBackoff)
			continue
		}
		backoff = cfg.MinBackoff
		w.watch(ctx, s, timer)
		_ = s.Close()
	}
}

func (w *watcher[T]) connect(ctx context.Context) (*xprotocol.Session, error) {
	cctx, cancel := context.WithTimeout(ctx, w.p.cfg.Timeout)
	defer cancel()
	s, err := xprotocol.Dial(cctx, w.member.Addr, w.p.cfg.Session)
	if err != nil {
		return nil, err
	}
	if err := s.EnableNotices(cctx, wire.GroupReplicationNotices...); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("enable group replication notices on %s: %w", w.member.Name, err)
	}
	return s, nil
}

// watch probes on every tick and on every GR notice until the session fails or ctx ends.
func (w *watcher[T]) watch(ctx context.Context, s *xprotocol.Session, timer *time.Timer) {
	c := cause{trigger: TriggerConnect}
	for {
		r := w.probe(ctx, s, c)
		if ctx.Err() != nil {
			return
		}
		w.p.publish(w, r)
		if !r.Reachable {
			return
		}
		resetTimer(timer, w.p.cfg.Interval)
		var ok bool
		if c, ok = w.wait(ctx, s, timer); !ok {
			return
		}
	}
}

// cause is why a probe runs: its trigger and, for a notice, the latest GR notice of the burst and when the
// burst's first notice arrived.
type cause struct {
	trigger Trigger
	notice  *wire.GroupReplicationStateChanged
	at      time.Time
}

// wait blocks until the next tick or Group Replication notice; other notices (warnings, session state)
// are skipped. false means the session ended or ctx is done.
func (w *watcher[T]) wait(ctx context.Context, s *xprotocol.Session, timer *time.Timer) (cause, bool) {
	for {
		select {
		case <-ctx.Done():
			return cause{}, false
		case <-s.Done():
			w.p.publish(w, w.unreachable(s.Err(), TriggerInterval))
			return cause{}, false
		case <-timer.C:
			return cause{trigger: TriggerInterval}, true
		case n := <-s.Notices():
			if g, ok := grNotice(n); ok {
				at := time.Now()
				g = drainNotices(s, g) // one re-probe covers a burst; report its latest notice
				return cause{trigger: TriggerNotice, notice: &g, at: at}, true
			}
		}
	}
}

func grNotice(n wire.Notice) (wire.GroupReplicationStateChanged, bool) {
	if n.Type != wire.NoticeGroupReplicationStateChanged {
		return wire.GroupReplicationStateChanged{}, false
	}
	g, err := n.GroupReplicationStateChanged()
	return g, err == nil
}

func drainNotices(s *xprotocol.Session,
	last wire.GroupReplicationStateChanged) wire.GroupReplicationStateChanged {
	for {
		select {
		case n := <-s.Notices():
			if g, ok := grNotice(n); ok {
				last = g
			}
		default:
			return last
		}
	}
}

func resetTimer(t *time.Timer, d time.Duration) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	t.Reset(d)
}

func sleep(ctx context.Context, t *time.Timer, d time.Duration) bool {
	resetTimer(t, d)
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (w *watcher[T]) unreachable(err error, t Trigger) Result[T] {
	return Result[T]{Member: w.member.Name, Addr: w.member.Addr, Err: err, Trigger: t, At: time.Now()}
}

// probe pings (latency) and runs Observe, if any.
func (w *watcher[T]) probe(ctx context.Context, s *xprotocol.Session, c cause) Result[T] {
	ctx, cancel := context.WithTimeout(ctx, w.p.cfg.Timeout)
	defer cancel()
	r := Result[T]{Member: w.member.Name, Addr: w.member.Addr, Trigger: c.trigger, Notice: c.notice, NoticeAt: c.at}
	start := time.Now()
	if err := s.Ping(ctx); err != nil {
		r.Err, r.At = fmt.Errorf("ping %s: %w", w.member.Name, err), time.Now()
		return r
	}
	r.Latency, r.Reachable = time.Since(start), true
	if w.p.cfg.Observe != nil {
		var err error
		if r.Observed, err = w.p.cfg.Observe(ctx, s); err != nil {
			r.Err = fmt.Errorf("observe %s: %w", w.member.Name, err)
		}
	}
	r.At = time.Now()
	return r
}
