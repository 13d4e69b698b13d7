package xserver

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown.
var ErrServerClosed = errors.New("xprotocol: server closed")

// Server is the server side of the X Protocol: it negotiates capabilities, upgrades to TLS,
// authenticates (MYSQL41, SHA256_MEMORY, PLAIN over TLS), answers the "mysqlx" admin commands and
// passes SQL statements to Handler. The zero value plus a Handler and Credentials is usable.
// Fields must not change after Serve is called.
type Server struct {
	// Handler executes SQL statements. Required.
	Handler Handler
	// Credentials authenticates users. Required; a nil store rejects every login with ERROR 1045.
	Credentials CredentialStore
	// TLSConfig enables the "tls" capability. nil means TLS is not offered (CapabilitiesSet tls fails with
	// "Capability prepare failed for 'tls'") and so PLAIN is unavailable.
	TLSConfig *tls.Config
	// RequireSecureTransport reports whether require_secure_transport is ON (asked at each login): a TCP session
	// without TLS is then refused with ER_SECURE_TRANSPORT_REQUIRED (3159) when it starts to authenticate, a Unix
	// socket session is not (MySQL 8.4 manual, 8.3.1 "Configuring Encrypted Connections as Mandatory"). Default
	// nil: OFF.
	RequireSecureTransport func() bool
	// Addr is the listen address of ListenAndServe. Default "127.0.0.1:33060".
	Addr string
	// MaxFrameSize caps an incoming frame (mysqlx_max_allowed_packet). Default DefaultMaxFrameSize.
	MaxFrameSize int
	// ConnectTimeout bounds the time from accept to successful authentication (mysqlx_connect_timeout).
	// Default 30s.
	ConnectTimeout time.Duration
	// IdleTimeout closes an authenticated session that sends nothing for this long (mysqlx_wait_timeout);
	// a ServerSession can change its own with SetIdleTimeout. Default 28800s.
	IdleTimeout time.Duration
	// WriteTimeout bounds each write to a client (mysqlx_write_timeout). Default 60s.
	WriteTimeout time.Duration
	// Logger receives connection-level errors. The zero Logger discards.
	Logger logr.Logger
	// NotifyStartedFunc, if set, is called once Serve is accepting on its listener (for tests).
	NotifyStartedFunc func()

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	sessions  map[uint64]*ServerSession
	sha256    map[string][32]byte // SHA256_MEMORY cache: user -> SHA256(password) after a PLAIN login
	closing   atomic.Bool
	nextID    atomic.Uint64
	wg        sync.WaitGroup
}

func (srv *Server) maxFrame() int { return orDefault(srv.MaxFrameSize, wire.DefaultMaxFrameSize) }

func (srv *Server) connectTimeout() time.Duration {
	return orDefault(srv.ConnectTimeout, 30*time.Second)
}

func (srv *Server) idleTimeout() time.Duration { return orDefault(srv.IdleTimeout, 28800*time.Second) }

func (srv *Server) writeTimeout() time.Duration { return orDefault(srv.WriteTimeout, 60*time.Second) }

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// ListenAndServe listens on srv.Addr (TCP) and serves it.
func (srv *Server) ListenAndServe() error {
	addr := srv.Addr
	if addr == "" {
		addr = "127.0.0.1:33060"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return srv.Serve(l)
}

// Serve accepts connections on l until Shutdown, serving each in its own goroutine. It may be called
// for several listeners. It returns ErrServerClosed after Shutdown.
func (srv *Server) Serve(l net.Listener) error {
	if srv.closing.Load() {
		_ = l.Close()
		return ErrServerClosed
	}
	srv.mu.Lock()
	if srv.listeners == nil {
		srv.listeners = make(map[net.Listener]struct{})
	}
	srv.listeners[l] = struct{}{}
	srv.mu.Unlock()
	defer srv.forgetListener(l)
	if srv.NotifyStartedFunc != nil {
		srv.NotifyStartedFunc()
	}
	for {
		conn, err := l.Accept()
		if err != nil {
			if srv.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return fmt.Errorf("accept on %s: %w", l.Addr(), err)
		}
		srv.startSession(conn)
	}
}

func (srv *Server) forgetListener(l net.Listener) {
	srv.mu.Lock()
	delete(srv.listeners, l)
	srv.mu.Unlock()
}

func (srv *Server) startSession(conn net.Conn) {
	s := newServerSession(srv, conn, srv.nextID.Add(1))
	srv.mu.Lock()
	if srv.closing.Load() {
		srv.mu.Unlock()
		_ = conn.Close()
		return
	}
	if srv.sessions == nil {
		srv.sessions = make(map[uint64]*ServerSession)
	}
	srv.sessions[s.id] = s
	srv.wg.Add(1)
	srv.mu.Unlock()
	go func() {
		defer srv.wg.Done()
		s.serve()
		srv.mu.Lock()
		delete(srv.sessions, s.id)
		srv.mu.Unlock()
	}()
}

// Shutdown stops accepting, lets every session finish its current statement and closes it; when ctx ends
// first, the remaining connections are closed at once and ctx's error is returned.
func (srv *Server) Shutdown(ctx context.Context) error {
	srv.closing.Store(true)
	srv.mu.Lock()
	for l := range srv.listeners {
		_ = l.Close()
	}
	for _, s := range srv.sessions {
		s.beginShutdown()
	}
	srv.mu.Unlock()
	done := make(chan struct{})
	go func() { srv.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, s := range srv.Sessions() {
			s.Close()
		}
		<-done
		return fmt.Errorf("shut down x protocol server: %w", ctx.Err())
	}
}

// Sessions returns the open sessions (authenticated or not).
func (srv *Server) Sessions() []*ServerSession {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	out := make([]*ServerSession, 0, len(srv.sessions))
	for _, s := range srv.sessions {
		out = append(out, s)
	}
	return out
}

// Session returns the open session with the given connection id.
func (srv *Server) Session(id uint64) (*ServerSession, bool) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	s, ok := srv.sessions[id]
	return s, ok
}

// BroadcastGroupReplicationNotice sends a GROUP_REPLICATION_STATE_CHANGED notice (scope GLOBAL) to every
// authenticated session that enabled the matching notice (e.g. "group_replication/membership/view" for
// GRViewChange). It returns how many sessions it was sent to; sessions whose write fails are closed.
// Sends are sequential: a client that stops reading delays the broadcast by at most WriteTimeout.
func (srv *Server) BroadcastGroupReplicationNotice(g wire.GroupReplicationStateChanged) int {
	name := g.Type.NoticeName()
	n := &wire.Notice{Type: wire.NoticeGroupReplicationStateChanged, Scope: wire.ScopeGlobal,
		Payload: wire.AppendGroupReplicationStateChanged(nil, g)}
	sent := 0
	for _, s := range srv.Sessions() {
		if !s.Authenticated() || !s.NoticeEnabled(name) {
			continue
		}
		if err := s.SendNotice(n); err != nil {
			srv.Logger.V(1).Info("group replication notice not delivered", "session", s.id, "error", err.Error())
			s.Close()
			continue
		}
		sent++
	}
	return sent
}

// ForgetCachedAuth drops user's SHA256_MEMORY cache entry (MySQL does so on ALTER USER / FLUSH PRIVILEGES).
func (srv *Server) ForgetCachedAuth(user string) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	delete(srv.sha256, user)
}

func (srv *Server) cacheSHA256(user, password string) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.sha256 == nil {
		srv.sha256 = make(map[string][32]byte)
	}
	srv.sha256[user] = sha256.Sum256([]byte(password))
}

func (srv *Server) cachedSHA256(user string) ([32]byte, bool) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	h, ok := srv.sha256[user]
	return h, ok
}
