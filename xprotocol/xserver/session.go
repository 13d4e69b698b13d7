package xserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// ServerSession is one client connection on a Server. Its accessors are safe for concurrent use;
// SendNotice may be called from any goroutine (e.g. to push notices while the session is idle).
type ServerSession struct {
	srv    *Server
	id     uint64
	remote net.Addr
	ctx    context.Context
	cancel context.CancelFunc

	raw net.Conn // the accepted connection: Close and deadline kicks go here, also under TLS

	// Owned by the serve goroutine (conn changes under wmu at the TLS upgrade).
	conn      net.Conn
	fr        *wire.FrameReader
	auth      *authState
	authFails int
	stmt      wire.StmtExecute

	wmu  sync.Mutex // guards bw, wbuf and writes to conn
	bw   *bufio.Writer
	wbuf []byte

	mu            sync.Mutex // guards the fields below
	authed        bool
	user, schema  string
	mech          string
	tlsActive     bool
	attrs         map[string]string
	notices       map[string]bool
	idle          time.Duration
	values        map[any]any
	inStmt        bool
	shutdownAsked bool

	closed atomic.Bool
}

func newServerSession(srv *Server, conn net.Conn, id uint64) *ServerSession {
	ctx, cancel := context.WithCancel(context.Background())
	return &ServerSession{
		srv: srv, id: id, remote: conn.RemoteAddr(), ctx: ctx, cancel: cancel, conn: conn, raw: conn,
		fr: wire.NewFrameReader(conn, srv.maxFrame()), bw: bufio.NewWriterSize(conn, 32<<10),
		notices: map[string]bool{wire.NoticeNameWarnings: true}, idle: srv.idleTimeout(),
	}
}

// ID is the connection id (also sent to the client as CLIENT_ID_ASSIGNED).
func (s *ServerSession) ID() uint64 { return s.id }

// RemoteAddr is the client's address.
func (s *ServerSession) RemoteAddr() net.Addr { return s.remote }

// Context is cancelled when the session closes.
func (s *ServerSession) Context() context.Context { return s.ctx }

// Authenticated reports whether the session finished authentication.
func (s *ServerSession) Authenticated() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.authed }

// User is the authenticated user ("" before authentication).
func (s *ServerSession) User() string { s.mu.Lock(); defer s.mu.Unlock(); return s.user }

// Schema is the default schema the client asked for at authentication ("" for none).
func (s *ServerSession) Schema() string { s.mu.Lock(); defer s.mu.Unlock(); return s.schema }

// SetSchema changes the default schema (e.g. when the Handler executes USE).
func (s *ServerSession) SetSchema(schema string) { s.mu.Lock(); defer s.mu.Unlock(); s.schema = schema }

// AuthMechanism is the mechanism that authenticated the session (MYSQL41, SHA256_MEMORY or PLAIN).
func (s *ServerSession) AuthMechanism() string { s.mu.Lock(); defer s.mu.Unlock(); return s.mech }

// TLS reports whether the connection was upgraded to TLS.
func (s *ServerSession) TLS() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.tlsActive }

// ConnectAttrs returns a copy of the session_connect_attrs the client sent.
func (s *ServerSession) ConnectAttrs() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.attrs)
}

// NoticeEnabled reports whether the client enabled the named notice ("warnings" is on by default).
func (s *ServerSession) NoticeEnabled(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notices[name]
}

// SetIdleTimeout changes this session's idle timeout (what SET @@mysqlx_wait_timeout does in MySQL).
func (s *ServerSession) SetIdleTimeout(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idle = d
}

// SetValue stores handler-owned per-session state (e.g. session variables).
func (s *ServerSession) SetValue(key, value any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = make(map[any]any)
	}
	s.values[key] = value
}

// Value returns state stored with SetValue.
func (s *ServerSession) Value(key any) any { s.mu.Lock(); defer s.mu.Unlock(); return s.values[key] }

// SendNotice writes a notice to the client now, whatever the session is doing (a GLOBAL notice may arrive
// at any point of the protocol). It does not check which notices the client enabled.
func (s *ServerSession) SendNotice(n *wire.Notice) error {
	return s.send(true, n)
}

// Close closes the connection at once; the Handler's context is cancelled.
func (s *ServerSession) Close() {
	if s.closed.Swap(true) {
		return
	}
	s.cancel()
	_ = s.raw.Close()
}

// beginShutdown closes an idle session now and a busy one after its current statement. The deadline is set
// under s.mu, as armReadDeadline sets its own: otherwise a session arming its next read could overwrite it
// with the idle timeout and wait out Shutdown's context.
func (s *ServerSession) beginShutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdownAsked = true
	if !s.inStmt {
		_ = s.raw.SetReadDeadline(time.Unix(1, 0))
	}
}

// send encodes messages and writes them; flush also flushes the buffer to the connection.
func (s *ServerSession) send(flush bool, msgs ...wire.Message) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed.Load() {
		return net.ErrClosed
	}
	s.wbuf = s.wbuf[:0]
	for _, m := range msgs {
		s.wbuf = wire.AppendFrame(s.wbuf, m)
	}
	if flush || s.bw.Available() < len(s.wbuf) { // only then can the write block
		_ = s.conn.SetWriteDeadline(time.Now().Add(s.srv.writeTimeout()))
	}
	if _, err := s.bw.Write(s.wbuf); err != nil {
		return fmt.Errorf("write to %s: %w", s.remote, err)
	}
	if flush {
		if err := s.bw.Flush(); err != nil {
			return fmt.Errorf("write to %s: %w", s.remote, err)
		}
	}
	return nil
}

func (s *ServerSession) flush() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("write to %s: %w", s.remote, err)
	}
	return nil
}

// sendFatal sends a FATAL error; the caller closes the session.
func (s *ServerSession) sendFatal(code uint32, state, msg string) {
	_ = s.send(true, &wire.Error{Severity: wire.SeverityFatal, Code: code, SQLState: state, Msg: msg})
}

func (s *ServerSession) serve() {
	defer s.Close()
	start := time.Now()
	for {
		if !s.armReadDeadline(start) {
			s.sendFatal(wire.ErCodeServerShutdown, "08S01", "Server shutdown in progress")
			return
		}
		typ, payload, err := s.fr.ReadFrame()
		if err != nil {
			s.readFailed(err)
			return
		}
		if done := s.dispatch(typ, payload); done {
			_ = s.flush()
			return
		}
	}
}

// armReadDeadline sets the read deadline for the next frame; false means the server is shutting down.
func (s *ServerSession) armReadDeadline(start time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdownAsked {
		return false
	}
	deadline := start.Add(s.srv.connectTimeout())
	if s.authed {
		deadline = time.Now().Add(s.idle)
	}
	_ = s.raw.SetReadDeadline(deadline)
	return true
}

func (s *ServerSession) readFailed(err error) {
	s.mu.Lock()
	authed, stop := s.authed, s.shutdownAsked
	s.mu.Unlock()
	switch {
	case stop:
		s.sendFatal(wire.ErCodeServerShutdown, "08S01", "Server shutdown in progress")
	case errors.Is(err, os.ErrDeadlineExceeded) && authed:
		s.sendFatal(wire.ErCodeIOReadError, "HY000", "IO Read error: read_timeout exceeded")
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.sendFatal(wire.ErCodeIOReadError, "HY000", "Connect timeout reached")
	case errors.Is(err, wire.ErrFrameTooLarge):
		s.sendFatal(wire.ErCodeXBadMessage, "HY000", "Message of size larger than mysqlx_max_allowed_packet received")
	case errors.Is(err, wire.ErrEmptyFrame):
		s.sendFatal(wire.ErCodeXBadMessage, "HY000", "Invalid message")
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
	default:
		s.srv.Logger.V(1).Info("x protocol read failed", "session", s.id, "remote", s.remote.String(),
			"error", err.Error())
	}
}

// dispatch handles one client message; true ends the session.
func (s *ServerSession) dispatch(typ uint8, payload []byte) bool {
	var err error
	done := false
	switch typ {
	case wire.ClientConCapabilitiesGet:
		err = s.send(true, s.capabilities())
	case wire.ClientConCapabilitiesSet:
		done, err = s.setCapabilities(payload)
	case wire.ClientConClose, wire.ClientSessClose:
		_ = s.send(true, &wire.Ok{Msg: "bye!"})
		return true
	case wire.ClientSessAuthenticateStart:
		done, err = s.authStart(payload)
	case wire.ClientSessAuthenticateCont:
		done, err = s.authContinue(payload)
	case wire.ClientSessReset:
		done, err = s.reset(payload)
	case wire.ClientSQLStmtExecute:
		done, err = s.execute(payload)
	default:
		done, err = s.unsupported(typ)
	}
	if err != nil {
		if !errors.Is(err, net.ErrClosed) {
			s.srv.Logger.V(1).Info("x protocol session ended", "session", s.id, "error", err.Error())
		}
		return true
	}
	return done
}

// badMessage answers a message that does not decode: fatal, as the stream can no longer be trusted.
func (s *ServerSession) badMessage(what string, err error) (bool, error) {
	s.sendFatal(wire.ErCodeXBadMessage, "HY000", fmt.Sprintf("Invalid message: %s: %v", what, err))
	return true, nil
}

func (s *ServerSession) unsupported(typ uint8) (bool, error) {
	if !wire.KnownClientType(typ) {
		s.sendFatal(wire.ErCodeUnknownCom, "08S01", fmt.Sprintf("Unexpected message received: type %d", typ))
		return true, nil
	}
	return false, s.send(true, wire.NewError(wire.ErCodeUnknownCom, "08S01", "Unexpected message received"))
}

func (s *ServerSession) reset(payload []byte) (bool, error) {
	var m wire.SessionReset
	if err := m.Unmarshal(payload); err != nil {
		return s.badMessage("Session.Reset", err)
	}
	s.mu.Lock()
	s.notices = map[string]bool{wire.NoticeNameWarnings: true}
	s.values = nil
	if !m.KeepOpen {
		s.authed, s.user, s.schema, s.mech = false, "", "", ""
	}
	s.mu.Unlock()
	return false, s.send(true, &wire.Ok{})
}

func (s *ServerSession) isAuthed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authed
}
