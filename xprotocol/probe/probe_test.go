package probe_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/xprotocol/probe"
	"github.com/orca-operator/orca/xprotocol/probe/probetest"
	"github.com/orca-operator/orca/xprotocol/wire"
)

func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func startFake(t *testing.T, st probetest.State, peers ...probetest.State) *probetest.Member {
	t.Helper()
	m := probetest.Start(listen(t, "127.0.0.1:0"), st, peers...)
	t.Cleanup(m.Stop)
	return m
}

type result = probe.Result[mysqladmin.MonitorObservation]

// newProber reads the member with mysqladmin's monitor statements, as the router does.
func newProber(t *testing.T, cfg probe.Config[mysqladmin.MonitorObservation]) (
	*probe.Prober[mysqladmin.MonitorObservation], <-chan result) {
	t.Helper()
	results := make(chan result, 100)
	cfg.Session.User, cfg.Session.Password = probetest.User, probetest.Password
	cfg.OnResult = func(r result) { results <- r }
	cfg.Observe = mysqladmin.ObserveX
	p := probe.New(cfg)
	t.Cleanup(p.Close)
	return p, results
}

func next(t *testing.T, results <-chan result, want func(result) bool) result {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r := <-results:
			if want(r) {
				return r
			}
		case <-timeout:
			t.Fatal("no matching probe result")
		}
	}
}

func TestProbeReportsGroupState(t *testing.T) {
	primary := probetest.Online(1, "PRIMARY")
	m := startFake(t, primary, probetest.Online(2, "SECONDARY"), probetest.Online(3, "SECONDARY"))
	p, results := newProber(t, probe.Config[mysqladmin.MonitorObservation]{Interval: 50 * time.Millisecond})
	p.Watch(probe.Member{Name: "m1", Addr: m.Addr})
	r := next(t, results, func(r result) bool { return r.Trigger == probe.TriggerConnect })
	if !r.Reachable || r.Err != nil || r.Observed.State != "ONLINE" || r.Observed.Role != "PRIMARY" || r.Observed.ViewID != "17000000:1" ||
		r.Observed.ServerUUID != primary.UUID || r.Observed.GTIDExecuted != "aaaa:1-10" || r.Observed.SuperReadOnly || r.Observed.Version != "8.4.3" ||
		r.Latency <= 0 || len(r.Observed.Members) != 3 || r.Observed.Members[2].Role != "SECONDARY" || r.Observed.Members[1].Port != 3306 {
		t.Fatalf("result %+v", r)
	}
	next(t, results, func(r result) bool { return r.Trigger == probe.TriggerInterval && r.Reachable })
	if last, ok := p.Last("m1"); !ok || !last.Reachable {
		t.Fatalf("Last = %+v %v", last, ok)
	}
	p.Forget("m1")
	if _, ok := p.Last("m1"); ok {
		t.Fatal("Last after Forget")
	}
}

func TestNoticeTriggersImmediateReprobe(t *testing.T) {
	st := probetest.Online(1, "SECONDARY")
	m := startFake(t, st)
	p, results := newProber(t, probe.Config[mysqladmin.MonitorObservation]{Interval: time.Hour})
	p.Watch(probe.Member{Name: "m1", Addr: m.Addr})
	next(t, results, func(r result) bool { return r.Reachable })
	st.MemberState, st.ViewID = "RECOVERING", "17000000:2"
	sent := time.Now()
	m.SetState(st, true)
	r := next(t, results, func(r result) bool { return true })
	if r.Trigger != probe.TriggerNotice || r.Notice == nil || r.Notice.ViewID != "17000000:2" ||
		r.Notice.Type != wire.GRViewChange || r.Observed.State != "RECOVERING" || r.Observed.ViewID != "17000000:2" {
		t.Fatalf("after notice %+v", r)
	}
	// The notice's arrival: after it was sent, before the probe it triggered finished.
	if r.NoticeAt.Before(sent) || r.NoticeAt.After(r.At) {
		t.Fatalf("notice arrived at %s: sent %s, probe finished %s", r.NoticeAt, sent, r.At)
	}
}

func TestReconnectWithBackoff(t *testing.T) {
	l := listen(t, "127.0.0.1:0")
	addr := l.Addr().String()
	m := probetest.Start(l, probetest.Online(1, "PRIMARY"))
	var dials atomic.Int32
	var d net.Dialer
	cfg := probe.Config[mysqladmin.MonitorObservation]{Interval: 50 * time.Millisecond, MinBackoff: 20 * time.Millisecond,
		MaxBackoff: 100 * time.Millisecond}
	cfg.Session.Dial = func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return d.DialContext(ctx, network, a)
	}
	p, results := newProber(t, cfg)
	p.Watch(probe.Member{Name: "m1", Addr: addr})
	next(t, results, func(r result) bool { return r.Reachable })
	m.Stop()
	down := next(t, results, func(r result) bool { return !r.Reachable })
	if down.Err == nil {
		t.Fatalf("unreachable without error: %+v", down)
	}
	next(t, results, func(r result) bool { return !r.Reachable && r.Trigger == probe.TriggerConnect })
	m2 := probetest.Start(listen(t, addr), probetest.Online(1, "SECONDARY"))
	defer m2.Stop()
	r := next(t, results, func(r result) bool { return r.Reachable })
	if r.Observed.Role != "SECONDARY" || r.Trigger != probe.TriggerConnect {
		t.Fatalf("after reconnect %+v", r)
	}
	if dials.Load() < 3 {
		t.Fatalf("injected dialer used %d times", dials.Load())
	}
}

func TestNotInGroup(t *testing.T) {
	// Group Replication not running: MySQL lists the member itself as OFFLINE, without a view.
	m := startFake(t, probetest.State{UUID: "ffff", MemberState: "OFFLINE", Version: "8.4.3"})
	p, results := newProber(t, probe.Config[mysqladmin.MonitorObservation]{Interval: time.Hour})
	p.Watch(probe.Member{Name: "m1", Addr: m.Addr})
	r := next(t, results, func(result) bool { return true })
	if !r.Reachable || r.Observed.State != "OFFLINE" || r.Observed.ViewID != "" {
		t.Fatalf("offline member %+v", r)
	}
}
