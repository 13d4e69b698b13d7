package router

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/memberdial"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("router: server closed")

// Server routes client connections to the members of one InnoDB Cluster. Set the fields, call Serve once per
// route's listener, and Shutdown to drain. The zero value of every field is its documented default.
type Server struct {
	// Members are the bootstrap members' classic addresses (host:port); the router learns the rest of the group
	// from their replication_group_members. Required unless StaticBackends is set.
	Members []string
	// StaticBackends, a benchmark aid, replace the group's topology: RW goes to the first, RO round-robin over
	// all of them, every route dials them as given, and /healthz is always 200. Default none: follow the group.
	StaticBackends []string
	// MemberXPort is the members' X Protocol port (mysqlx_port): monitor sessions and the X routes use it.
	// Default 33060.
	MemberXPort int
	// User and Password are the monitoring account (SELECT on performance_schema.replication_group_members and
	// replication_group_member_stats is all it needs). Never logged.
	User, Password string
	// MonitorTLS verifies the members' certificates on the monitoring sessions: its RootCAs (the cluster's
	// trust bundle) and its ServerName, or else the member's name as the group lists it (docs/tls.md). Default:
	// the system's roots. Routed connections are not terminated: clients verify the members themselves.
	MonitorTLS *tls.Config
	// Dialer opens every connection to a member: monitoring sessions and routed connections.
	// Default memberdial.Direct().
	Dialer memberdial.Dialer
	// Cluster and Namespace label logs and metrics. Default "".
	Cluster, Namespace string
	// PollInterval is the SQL poll of each member, besides Group Replication notices. Default 1s.
	PollInterval time.Duration
	// MaxConnections bounds the client connections of all routes together; the next one gets ERROR 1040.
	// Default 5000.
	MaxConnections int
	// ConnectTimeout bounds the connect to a backend, and the wait for an X Protocol client's first message on a
	// connection the router refuses. Default 5s.
	ConnectTimeout time.Duration
	// IdleTimeout closes a connection that moved no byte either way for at least that long (checked at that
	// period, so after at most twice it). Default 0: off.
	IdleTimeout time.Duration
	// StopROOnQuorumLoss refuses RO while no member has quorum. Default false: RO keeps serving the ONLINE
	// members (their reads may be stale).
	StopROOnQuorumLoss bool
	// Logger receives structured logs with the keys cluster, namespace, member, route and backend.
	// Default: discards.
	Logger logr.Logger
	// NotifyStartedFunc, for tests, is called each time a Serve call starts accepting.
	NotifyStartedFunc func()

	once    sync.Once
	log     logr.Logger
	metrics *metrics
	topo    *topology
	conns   registry
	rr      [4]atomic.Uint64
	active  atomic.Int64
	current atomic.Int64 // unix nanos when a current topology was last held
	looped  atomic.Int64 // unix nanos of the topology loop's last turn
	maxAge  time.Duration

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	closing   bool
	handlers  sync.WaitGroup
}

// setup applies the defaults and starts following the group, once.
func (s *Server) setup() {
	s.once.Do(func() {
		s.MemberXPort = orDefault(s.MemberXPort, 33060)
		s.PollInterval = orDefault(s.PollInterval, time.Second)
		s.MaxConnections = orDefault(s.MaxConnections, 5000)
		s.ConnectTimeout = orDefault(s.ConnectTimeout, 5*time.Second)
		if s.Dialer == nil {
			s.Dialer = memberdial.Direct()
		}
		s.log = s.Logger.WithValues("cluster", s.Cluster, "namespace", s.Namespace)
		s.metrics = newMetrics(s.Cluster, s.Namespace)
		s.metrics.registerHealth(s.Cluster, s.Namespace, s.healthy)
		s.listeners = map[net.Listener]struct{}{}
		// An answer counts for three polls and one probe's timeout: one missed probe closes nothing.
		s.maxAge = 3*s.PollInterval + probeTimeout
		if len(s.StaticBackends) > 0 {
			s.apply(staticTable(s.StaticBackends), cause{trigger: "static", at: time.Now()})
			return
		}
		s.topo = startTopology(s)
	})
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Serve accepts connections on l for the route until Shutdown; it returns ErrServerClosed then. Call it once
// per listener; several listeners may serve one route.
func (s *Server) Serve(l net.Listener, route Route) error {
	s.setup()
	if !s.track(l) {
		return ErrServerClosed
	}
	defer s.untrack(l)
	if s.NotifyStartedFunc != nil {
		s.NotifyStartedFunc()
	}
	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			if isTemporary(err) { // EMFILE and the like: back off
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Error(err, "accept failed, retrying", "route", route.String(), "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("accept on %s for %s: %w", l.Addr(), route, err)
		}
		backoff = 0
		s.handlers.Add(1)
		go s.handle(c, route)
	}
}

func (s *Server) track(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) untrack(l net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.listeners, l)
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Shutdown stops accepting, waits for the established connections to end and stops following the group. When
// ctx ends first, the remaining connections are closed and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.setup()
	s.mu.Lock()
	s.closing = true
	for l := range s.listeners {
		_ = l.Close()
	}
	s.mu.Unlock()
	drained := make(chan struct{})
	go func() { s.handlers.Wait(); close(drained) }()
	var err error
	select {
	case <-drained:
	case <-ctx.Done():
		err = ctx.Err()
		n := s.conns.closeAll(reasonShutdown)
		s.log.Info("drain timeout: closed the remaining connections", "connections", n)
		<-drained
	}
	if s.topo != nil {
		s.topo.stop()
	}
	return err
}

// Table returns the routing table in use.
func (s *Server) Table() Table {
	s.setup()
	return s.conns.current()
}

// Healthy reports whether the router holds a current topology: members' answers with a view (a primary, an
// election without one, or a lost quorum), learned within the last three polls (and one probe's timeout).
// Static backends are always current.
func (s *Server) Healthy() bool {
	s.setup()
	return s.healthy()
}

// Live is false only when the router is wedged: its topology loop, which turns at least every PollInterval
// whatever the members answer, has not turned for liveWindow. Losing the group's topology does not count: a
// restart would not bring it back (that is what Healthy, for readiness, reports).
func (s *Server) Live() bool {
	s.setup()
	if s.topo == nil {
		return true
	}
	return time.Since(time.Unix(0, s.looped.Load())) <= s.liveWindow()
}

// liveWindow is how long the topology loop may stall before Live says the router is wedged.
func (s *Server) liveWindow() time.Duration { return max(30*time.Second, 10*s.PollInterval) }

func (s *Server) healthy() bool {
	if len(s.StaticBackends) > 0 {
		return true
	}
	at := s.current.Load()
	return at != 0 && time.Since(time.Unix(0, at)) <= s.maxAge
}
