package probe

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orca-operator/orca/xprotocol"
)

// watcher owns one member's session and probe loop.
type watcher struct {
	p      *Prober
	member Member
	cancel context.CancelFunc
}

func (w *watcher) run(ctx context.Context) {
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

func (w *watcher) connect(ctx context.Context) (*xprotocol.Session, error) {
	cctx, cancel := context.WithTimeout(ctx, w.p.cfg.Timeout)
	defer cancel()
	s, err := xprotocol.Dial(cctx, w.member.Addr, w.p.cfg.Session)
	if err != nil {
		return nil, err
	}
	if err := s.EnableNotices(cctx, xprotocol.GroupReplicationNotices...); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("enable group replication notices on %s: %w", w.member.Name, err)
	}
	return s, nil
}

// watch probes on every tick and on every GR notice until the session fails or ctx ends.
func (w *watcher) watch(ctx context.Context, s *xprotocol.Session, timer *time.Timer) {
	trigger, notice := TriggerConnect, (*xprotocol.GroupReplicationStateChanged)(nil)
	for {
		r := w.probe(ctx, s, trigger, notice)
		if ctx.Err() != nil {
			return
		}
		w.p.publish(w, r)
		if !r.Reachable {
			return
		}
		resetTimer(timer, w.p.cfg.Interval)
		var ok bool
		if trigger, notice, ok = w.wait(ctx, s, timer); !ok {
			return
		}
	}
}

// wait blocks until the next tick or Group Replication notice; other notices (warnings, session state)
// are skipped. false means the session ended or ctx is done.
func (w *watcher) wait(ctx context.Context, s *xprotocol.Session,
	timer *time.Timer) (Trigger, *xprotocol.GroupReplicationStateChanged, bool) {
	for {
		select {
		case <-ctx.Done():
			return 0, nil, false
		case <-s.Done():
			w.p.publish(w, w.unreachable(s.Err(), TriggerInterval))
			return 0, nil, false
		case <-timer.C:
			return TriggerInterval, nil, true
		case n := <-s.Notices():
			if g, ok := grNotice(n); ok {
				g = drainNotices(s, g) // one re-probe covers a burst; report its latest notice
				return TriggerNotice, &g, true
			}
		}
	}
}

func grNotice(n xprotocol.Notice) (xprotocol.GroupReplicationStateChanged, bool) {
	if n.Type != xprotocol.NoticeGroupReplicationStateChanged {
		return xprotocol.GroupReplicationStateChanged{}, false
	}
	g, err := n.GroupReplicationStateChanged()
	return g, err == nil
}

func drainNotices(s *xprotocol.Session,
	last xprotocol.GroupReplicationStateChanged) xprotocol.GroupReplicationStateChanged {
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

func (w *watcher) unreachable(err error, t Trigger) Result {
	return Result{Member: w.member.Name, Addr: w.member.Addr, Err: err, Trigger: t, At: time.Now()}
}

// probe pings (latency) and reads the member's state with the three queries.
func (w *watcher) probe(ctx context.Context, s *xprotocol.Session, t Trigger,
	n *xprotocol.GroupReplicationStateChanged) Result {
	ctx, cancel := context.WithTimeout(ctx, w.p.cfg.Timeout)
	defer cancel()
	r := Result{Member: w.member.Name, Addr: w.member.Addr, Trigger: t, Notice: n}
	start := time.Now()
	if err := s.Ping(ctx); err != nil {
		r.Err, r.At = fmt.Errorf("ping %s: %w", w.member.Name, err), time.Now()
		return r
	}
	r.Latency = time.Since(start)
	if err := readServer(ctx, s, &r); err != nil {
		r.Err, r.At = fmt.Errorf("probe %s: %w", w.member.Name, err), time.Now()
		return r
	}
	r.Reachable = true
	if err := readGroup(ctx, s, &r); err != nil {
		r.Err = fmt.Errorf("probe %s: %w", w.member.Name, err)
	}
	r.At = time.Now()
	return r
}

func readServer(ctx context.Context, s *xprotocol.Session, r *Result) error {
	row, err := firstRow(ctx, s, QueryServer, 4)
	if err != nil {
		return err
	}
	if row == nil {
		return fmt.Errorf("%q returned no row", QueryServer)
	}
	r.ServerUUID, r.GTIDExecuted, r.Version = text(row[0]), text(row[1]), text(row[3])
	r.SuperReadOnly = truthy(row[2])
	return nil
}

func readGroup(ctx context.Context, s *xprotocol.Session, r *Result) error {
	res, err := s.Execute(ctx, QueryMembers)
	if err != nil {
		return err
	}
	for _, set := range res.Sets {
		for _, row := range set.Rows {
			if len(row) < 6 {
				return fmt.Errorf("replication_group_members row has %d columns", len(row))
			}
			port, _ := strconv.Atoi(row[2].String())
			m := GroupMember{ID: text(row[0]), Host: text(row[1]), Port: port, State: text(row[3]),
				Role: text(row[4]), Version: text(row[5])}
			r.Members = append(r.Members, m)
			if m.ID == r.ServerUUID {
				r.State, r.Role = m.State, m.Role
			}
		}
	}
	view, err := firstRow(ctx, s, QueryViewID, 1)
	if err == nil && view != nil {
		r.ViewID = text(view[0])
	}
	if err != nil {
		return err
	}
	if r.State == "" {
		return ErrNotInGroup
	}
	return nil
}

// firstRow returns the first row (nil when there is none) and checks its width.
func firstRow(ctx context.Context, s *xprotocol.Session, query string, width int) ([]xprotocol.Value, error) {
	res, err := s.Execute(ctx, query)
	if err != nil {
		return nil, err
	}
	if len(res.Sets) == 0 || len(res.Sets[0].Rows) == 0 {
		return nil, nil
	}
	row := res.Sets[0].Rows[0]
	if len(row) < width {
		return nil, fmt.Errorf("%q returned %d columns, want %d", query, len(row), width)
	}
	return row, nil
}

func text(v xprotocol.Value) string {
	if v.IsNull() {
		return ""
	}
	return v.String()
}

func truthy(v xprotocol.Value) bool {
	switch strings.ToUpper(text(v)) {
	case "1", "ON", "TRUE":
		return true
	}
	return false
}
