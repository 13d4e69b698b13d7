package classic

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown.
var ErrServerClosed = errors.New("classic: server closed")

// Server is a MySQL classic-protocol server. Set the fields before Serve; do not change them afterwards.
// The zero value (plus a Handler) is a server that refuses every login.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on. Default "127.0.0.1:3306".
	Addr string
	// Handler answers COM_QUERY. Required.
	Handler Handler
	// Preparer answers COM_STMT_PREPARE and so enables the binary protocol (COM_STMT_EXECUTE, _CLOSE,
	// _RESET, _SEND_LONG_DATA, _FETCH). Default nil: those commands get ER_UNKNOWN_COM_ERROR.
	Preparer Preparer
	// Replication answers COM_REGISTER_SLAVE and COM_BINLOG_DUMP_GTID. Default nil: those commands get
	// ER_UNKNOWN_COM_ERROR.
	Replication Replication
	// MaxPreparedStmts bounds the statements prepared at once over all connections
	// (max_prepared_stmt_count); one more gets ER 1461. Default 16382, as in mysqld.
	MaxPreparedStmts int
	// Credentials authenticates logins. Default nil: every login fails with 1045.
	Credentials CredentialStore
	// Version is the server version in the greeting (SELECT VERSION() is the Handler's business).
	// Default "8.4.3".
	Version string
	// DefaultAuthPlugin is announced in the greeting and used for accounts without a plugin.
	// Default PluginCachingSHA2, as in MySQL 8.4.
	DefaultAuthPlugin string
	// TLSConfig enables CLIENT_SSL and the SSLRequest upgrade. Default nil: no TLS, as mysqld without
	// certificates. SelfSignedTLS builds one like mysqld's auto-generated certificates.
	TLSConfig *tls.Config
	// RequireSecureTransport reports whether require_secure_transport is ON (it is dynamic, so it is asked at
	// each connection): a TCP connection without TLS is then refused with ER_SECURE_TRANSPORT_REQUIRED (3159)
	// once the client sent its handshake response, a Unix socket connection is not (MySQL 8.4 manual, 8.3.1
	// "Configuring MySQL to Use Encrypted Connections", "Configuring Encrypted Connections as Mandatory").
	// Default nil: OFF.
	RequireSecureTransport func() bool
	// RSAKey is the key pair caching_sha2_password hands to clients that ask for the public key on a
	// connection without TLS. Default nil: a 2048-bit key generated on first use.
	RSAKey *rsa.PrivateKey
	// MaxPacketSize is the largest packet accepted from a client (max_allowed_packet); a larger one gets
	// ERR 1153 and the connection is closed. Default 64 MiB.
	MaxPacketSize int
	// HandshakeTimeout bounds the connection phase (connect_timeout). Default 10 seconds.
	HandshakeTimeout time.Duration
	// CheckSchema validates the schema named at connect time or by COM_INIT_DB; return a *SQLError such as
	// 1049 to refuse it. Default nil: any schema is accepted.
	CheckSchema func(ctx context.Context, c *Conn, schema string) error
	// ConnClosed is called once when a connection ends, after authentication or not, for any reason.
	// Default nil.
	ConnClosed func(c *Conn)
	// NotifyStartedFunc is called once Serve is accepting connections. Default nil.
	NotifyStartedFunc func()
	// Logger receives connection-level errors at V(1). Default: the zero logr.Logger, which discards.
	Logger logr.Logger

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*Conn]struct{}
	wg        sync.WaitGroup
	lastID    atomic.Uint32
	refusing  atomic.Bool
	closing   atomic.Bool
	started   time.Time
	questions atomic.Uint64
	prepared  atomic.Int64
	cache     authCache
	keys      rsaKeys
}

func (s *Server) version() string {
	if s.Version == "" {
		return "8.4.3"
	}
	return s.Version
}

func (s *Server) defaultPlugin() string {
	if s.DefaultAuthPlugin == "" {
		return PluginCachingSHA2
	}
	return s.DefaultAuthPlugin
}

func (s *Server) maxPacket() int {
	if s.MaxPacketSize <= 0 {
		return 64 << 20
	}
	return s.MaxPacketSize
}

func (s *Server) handshakeTimeout() time.Duration {
	if s.HandshakeTimeout <= 0 {
		return 10 * time.Second
	}
	return s.HandshakeTimeout
}

// ListenAndServe listens on Addr and serves until Shutdown.
func (s *Server) ListenAndServe() error {
	addr := s.Addr
	if addr == "" {
		addr = "127.0.0.1:3306"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l until Shutdown or an accept error, and closes l when it returns.
// After Shutdown it returns ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	if s.Handler == nil {
		return errors.New("classic: Server.Handler is nil")
	}
	if !s.track(l) {
		_ = l.Close()
		return ErrServerClosed
	}
	defer s.untrack(l)
	if s.NotifyStartedFunc != nil {
		s.NotifyStartedFunc()
	}
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("accept: %w", err)
		}
		backoff = 0
		s.accept(nc)
	}
}

func (s *Server) track(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	if s.listeners == nil {
		s.listeners = map[net.Listener]struct{}{}
		s.started = time.Now()
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) untrack(l net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.listeners, l)
	_ = l.Close()
}

// accept starts serving nc, or drops it at once while the server refuses connections.
func (s *Server) accept(nc net.Conn) {
	if s.refusing.Load() {
		abort(nc)
		return
	}
	c := newConn(s, nc, s.lastID.Add(1))
	s.mu.Lock()
	// closing is checked under mu, which Shutdown holds while setting it, so wg.Add never races wg.Wait.
	if s.closing.Load() {
		s.mu.Unlock()
		abort(nc)
		return
	}
	if s.conns == nil {
		s.conns = map[*Conn]struct{}{}
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		c.serve()
	}()
}

// forget removes a finished connection.
func (s *Server) forget(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// abort closes nc with a TCP reset, as the kernel does for a process that died.
func abort(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = nc.Close()
}

// Conns returns the open connections (authenticated or still in the handshake), e.g. for SHOW PROCESSLIST.
func (s *Server) Conns() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	return out
}

// Kill closes the connection with the given id, as KILL CONNECTION does, and reports whether it existed.
func (s *Server) Kill(id uint32) bool {
	for _, c := range s.Conns() {
		if c.ID() == id {
			_ = c.Close()
			return true
		}
	}
	return false
}

// CloseAll drops every connection at once with a TCP reset, without a goodbye packet, as a crashed mysqld
// would, and returns how many it dropped. The listeners stay open; combine with SetRefusing(true) to
// simulate a member that is down.
func (s *Server) CloseAll() int {
	conns := s.Conns()
	for _, c := range conns {
		c.abort()
	}
	return len(conns)
}

// SetRefusing makes the server reset new TCP connections before the greeting (true) or serve them again
// (false). Clients see "connection reset by peer", close to a refused connection on a dead host.
func (s *Server) SetRefusing(refuse bool) {
	s.refusing.Store(refuse)
}

// FlushAuthCache empties caching_sha2_password's fast-auth cache, as FLUSH PRIVILEGES does: every
// account's next login takes the full-authentication path again.
func (s *Server) FlushAuthCache() {
	s.cache.flush()
}

// Shutdown stops accepting, closes idle connections, and waits for the others to finish their current
// command. When ctx ends first it drops the rest and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	for l := range s.listeners {
		_ = l.Close()
	}
	s.mu.Unlock()
	for _, c := range s.Conns() {
		c.closeIfIdle()
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.CloseAll()
		<-done
		return ctx.Err()
	}
}
