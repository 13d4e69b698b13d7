package router

import (
	"time"

	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/probe"
)

// probeResult is one member's answer: ping, then mysqladmin's monitor statements on the same session.
type probeResult = probe.Result[mysqladmin.MonitorObservation]

// probeTimeout bounds one monitor connection attempt or one probe (the prober's default).
const probeTimeout = 2 * time.Second

// topology follows the group: one X Protocol session per member with Group Replication notices (any change
// re-probes at once), the monitor SQL every PollInterval, and the members the group lists watched as they
// appear. Every answer recomputes the table (Compute) and hands it to the server.
type topology struct {
	s       *Server
	prober  *probe.Prober[mysqladmin.MonitorObservation]
	results chan probeResult
	obs     map[string]Observation
	quit    chan struct{}
	done    chan struct{}
}

func startTopology(s *Server) *topology {
	t := &topology{s: s, results: make(chan probeResult, 256), obs: map[string]Observation{},
		quit: make(chan struct{}), done: make(chan struct{})}
	s.looped.Store(time.Now().UnixNano())
	t.prober = probe.New(probe.Config[mysqladmin.MonitorObservation]{
		Interval: s.PollInterval,
		Timeout:  probeTimeout,
		Session: xprotocol.Config{User: s.User, Password: s.Password, TLSMode: xprotocol.TLSVerifyIdentity,
			TLSConfig: s.MonitorTLS, Dial: s.Dialer.DialContext,
			ConnectAttrs: map[string]string{"program_name": "orca-router"}},
		Observe:  mysqladmin.ObserveX,
		OnResult: t.deliver,
		Logger:   s.log,
	})
	for _, m := range s.Members {
		t.watch(m)
	}
	go t.run()
	return t
}

// deliver hands a probe result to the loop (from the member's goroutine).
func (t *topology) deliver(r probeResult) {
	select {
	case t.results <- r:
	case <-t.quit:
	}
}

func (t *topology) run() {
	defer close(t.done)
	tick := time.NewTicker(t.s.PollInterval)
	defer tick.Stop()
	for {
		t.s.looped.Store(time.Now().UnixNano())
		var c cause
		select {
		case r := <-t.results:
			t.record(r)
			t.s.metrics.probed(r.Trigger.String())
			c = causeOf(r)
		case <-tick.C: // answers age even when none arrives
			c = cause{trigger: "age", at: time.Now()}
		case <-t.quit:
			return
		}
		t.recompute(time.Now(), c)
	}
}

func (t *topology) stop() {
	close(t.quit)
	t.prober.Close()
	<-t.done
}

func (t *topology) watch(member string) {
	t.prober.Watch(probe.Member{Name: member, Addr: backendAddr(member, XRW, t.s.MemberXPort)})
	if _, ok := t.obs[member]; !ok {
		t.obs[member] = Observation{Member: member}
	}
}

// record keeps the member's latest answer; a failed probe keeps the previous answer, marked unreachable.
func (t *topology) record(r probeResult) {
	prev, watched := t.obs[r.Member]
	if !watched {
		return // forgotten meanwhile
	}
	if !r.Reachable || !r.Observed.ServerRead {
		prev.Reachable = false
		t.obs[r.Member] = prev
		return
	}
	v := r.Observed
	o := Observation{Member: r.Member, Reachable: true, At: r.At, UUID: v.ServerUUID, State: v.State,
		Role: v.Role, ViewID: v.ViewID}
	for _, g := range v.Members {
		o.Group = append(o.Group, GroupMember{UUID: g.ID, Host: g.Host, Port: g.Port, State: g.State, Role: g.Role})
	}
	t.obs[r.Member] = o
}

// cause is what the router learned a table from: a probe's trigger (notice, interval, connect) or answers
// ageing ("age"), and when: the GR notice's arrival for a notice, the probe's end otherwise.
type cause struct {
	trigger string
	at      time.Time
}

func causeOf(r probeResult) cause {
	if r.Trigger == probe.TriggerNotice && !r.NoticeAt.IsZero() {
		return cause{trigger: r.Trigger.String(), at: r.NoticeAt}
	}
	return cause{trigger: r.Trigger.String(), at: r.At}
}

func (t *topology) recompute(now time.Time, c cause) {
	obs := make([]Observation, 0, len(t.obs))
	for _, o := range t.obs {
		obs = append(obs, o)
	}
	t.learn(Wanted(t.s.Members, obs, now, t.s.maxAge))
	t.s.apply(Compute(obs, Options{Now: now, MaxAge: t.s.maxAge, StopROOnQuorumLoss: t.s.StopROOnQuorumLoss}), c)
}

// learn watches the members the group lists and forgets those it no longer does.
func (t *topology) learn(wanted map[string]bool) {
	for m := range wanted {
		if _, ok := t.obs[m]; !ok {
			t.s.log.Info("watching member", "member", m)
			t.watch(m)
		}
	}
	for m := range t.obs {
		if !wanted[m] {
			t.s.log.Info("member left the group, no longer watched", "member", m)
			t.prober.Forget(m)
			delete(t.obs, m)
			t.s.metrics.forget(m)
		}
	}
}

// Wanted are the members to watch: the bootstrap members and every member that an answer within maxAge lists.
func Wanted(bootstrap []string, obs []Observation, now time.Time, maxAge time.Duration) map[string]bool {
	out := map[string]bool{}
	for _, m := range bootstrap {
		out[m] = true
	}
	for _, o := range obs {
		if o.At.IsZero() || now.Sub(o.At) > maxAge {
			continue
		}
		for _, g := range o.Group {
			if g.Host != "" && g.Port > 0 {
				out[g.Addr()] = true
			}
		}
	}
	return out
}

// staticTable routes RW to the first backend and RO over all of them (StaticBackends).
func staticTable(backends []string) Table {
	t := Table{Verdict: VerdictPrimary, Primary: backends[0], Secondaries: backends[1:], ReadOnly: backends,
		Writable: backends[0], Readable: backends, Roles: map[string]Role{}}
	for i, b := range backends {
		t.Roles[b] = RoleSecondary
		if i == 0 {
			t.Roles[b] = RolePrimary
		}
	}
	return t
}
