package xprotocol

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// ErrSessionClosed is returned by commands on a closed session.
var ErrSessionClosed = errors.New("xprotocol: session closed")

// TLSMode says whether and how the client secures the connection (the connectors' ssl-mode).
type TLSMode uint8

// TLS modes. The zero value is TLSPreferred, the connectors' default.
const (
	// TLSPreferred upgrades when the server offers TLS, without verifying its certificate.
	TLSPreferred TLSMode = iota
	// TLSDisabled never upgrades.
	TLSDisabled
	// TLSRequired fails when the server does not offer TLS; the certificate is not verified.
	TLSRequired
	// TLSVerifyCA also verifies the certificate chain against Config.TLSConfig.RootCAs (not the name).
	TLSVerifyCA
	// TLSVerifyIdentity also verifies that the certificate names the host dialled.
	TLSVerifyIdentity
)

// String names the mode as the connectors spell it.
func (m TLSMode) String() string {
	return [...]string{"PREFERRED", "DISABLED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"}[min(int(m), 4)]
}

// DialFunc opens the network connection (a proxy, a test network or a policy check goes here).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// DefaultNoticeBuffer is the capacity of Session.Notices when Config.NoticeBuffer is 0.
const DefaultNoticeBuffer = 64

// Config configures Dial.
type Config struct {
	// User, Password and Schema (default schema, "" for none) authenticate the session.
	User     string
	Password string
	Schema   string
	// Auth forces one mechanism (AuthMySQL41, AuthSHA256Memory or AuthPlain). "" uses the connectors'
	// order: PLAIN over TLS; without TLS, MYSQL41 then SHA256_MEMORY after ERROR 1045.
	Auth string
	// TLSMode selects the TLS behaviour; TLSConfig supplies roots, client certificates and ServerName.
	TLSMode   TLSMode
	TLSConfig *tls.Config
	// ConnectAttrs are sent as session_connect_attrs, merged over the client's defaults (_client_name...).
	ConnectAttrs map[string]string
	// Capabilities are extra capabilities to set before authentication (e.g. client.pwd_expire_ok).
	Capabilities []wire.Capability
	// Dial opens the connection; nil uses a net.Dialer.
	Dial DialFunc
	// MaxFrameSize caps incoming frames; default DefaultMaxFrameSize.
	MaxFrameSize int
	// NoticeBuffer is the capacity of the Notices channel; default DefaultNoticeBuffer.
	NoticeBuffer int
}

// Session is an authenticated X Protocol session. Each Session runs exactly one background goroutine,
// which reads frames: command replies are handed to the caller of the current command, notices go to the
// Notices channel. Methods are safe for concurrent use but commands are serialised; an open Rows holds the
// session until it is closed or read to the end.
type Session struct {
	addr string
	conn net.Conn // the (possibly TLS) connection
	raw  net.Conn
	fr   *wire.FrameReader
	wbuf []byte

	busy         chan struct{} // holds one token while a command owns the session; waiting honours ctx
	inCommand    atomic.Bool
	in           chan inFrame
	ack          chan struct{}
	lent         bool // the command reads frames directly; the reader goroutine waits for ack
	readDeadline bool
	stopCancel   func() bool
	hadDeadline  bool
	stmt         wire.StmtExecute
	rows         Rows // reused by Ping and Execute

	notices chan wire.Notice
	dropped atomic.Uint64

	done       chan struct{}
	readerDone chan struct{}
	failOnce   sync.Once
	err        error

	id   uint64
	tls  bool
	mech string
	caps wire.Capabilities
}

type inFrame struct {
	typ     uint8
	payload []byte
}

// ConnectionID is the id the server assigned (CLIENT_ID_ASSIGNED), 0 if it sent none.
func (s *Session) ConnectionID() uint64 { return s.id }

// TLS reports whether the connection is encrypted.
func (s *Session) TLS() bool { return s.tls }

// AuthMechanism is the mechanism that authenticated the session.
func (s *Session) AuthMechanism() string { return s.mech }

// ServerCapabilities is what CapabilitiesGet answered after the TLS upgrade, before authentication.
func (s *Session) ServerCapabilities() wire.Capabilities { return s.caps }

// Notices delivers every notice the server sends (warnings, session state changes, Group Replication
// changes...). The reader never blocks on it: when the buffer is full the notice is dropped and counted.
func (s *Session) Notices() <-chan wire.Notice { return s.notices }

// DroppedNotices counts notices dropped because the Notices buffer was full.
func (s *Session) DroppedNotices() uint64 { return s.dropped.Load() }

// Done is closed when the session ends (Close, a read error, a fatal error from the server).
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is why the session ended (nil while open; ErrSessionClosed after Close).
func (s *Session) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// fail ends the session with err (first error wins) and closes the connection.
func (s *Session) fail(err error) {
	s.failOnce.Do(func() {
		s.err = err
		close(s.done)
		_ = s.raw.Close()
	})
}

// Close sends Connection.Close when the session is idle, then closes the connection and waits for the
// reader goroutine to exit.
func (s *Session) Close() error {
	if s.tryAcquire() {
		if s.Err() == nil {
			s.inCommand.Store(true)
			_ = s.raw.SetWriteDeadline(time.Now().Add(time.Second))
			if s.write(wire.Empty(wire.ClientConClose)) == nil {
				timer := time.NewTimer(time.Second)
				select {
				case <-s.in:
				case <-s.done:
				case <-timer.C:
				}
				timer.Stop()
			}
		}
		s.release()
	}
	s.fail(ErrSessionClosed)
	<-s.readerDone
	return nil
}

func (s *Session) write(m wire.Message) error {
	s.wbuf = wire.AppendFrame(s.wbuf[:0], m)
	if _, err := s.conn.Write(s.wbuf); err != nil {
		err = fmt.Errorf("write to %s: %w", s.addr, err)
		s.fail(err)
		return err
	}
	return nil
}

// acquire waits until no other command owns the session, ctx ends or the session ends.
func (s *Session) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case s.busy <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for a busy session on %s: %w", s.addr, ctx.Err())
	case <-s.done:
		return s.err
	}
}

func (s *Session) tryAcquire() bool {
	select {
	case s.busy <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s *Session) release() { <-s.busy }

// begin takes the session for one command.
func (s *Session) begin(ctx context.Context) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	if err := s.Err(); err != nil {
		s.release()
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = s.raw.SetWriteDeadline(dl)
		s.hadDeadline = true
	} else if s.hadDeadline {
		_ = s.raw.SetWriteDeadline(time.Time{})
		s.hadDeadline = false
	}
	s.inCommand.Store(true)
	return nil
}

// next returns the command's next frame (notices included); the previous frame's buffer is released.
// The reader goroutine hands over the command's first frame and then lends the FrameReader: the command
// reads the rest of its reply directly (two goroutine switches per command, not per frame).
func (s *Session) next(ctx context.Context) (inFrame, error) {
	if s.lent {
		return s.readDirect(ctx)
	}
	select {
	case f := <-s.in:
		s.lent = true
		s.lendReader(ctx)
		return f, nil
	case <-s.done:
		return inFrame{}, s.err
	case <-ctx.Done():
		err := fmt.Errorf("x protocol command on %s: %w", s.addr, ctx.Err())
		s.fail(err)
		return inFrame{}, err
	}
}

// lendReader arms the read deadline for direct reads from ctx's deadline and cancellation.
func (s *Session) lendReader(ctx context.Context) {
	if dl, ok := ctx.Deadline(); ok {
		_ = s.raw.SetReadDeadline(dl)
		s.readDeadline = true
	}
	if ctx.Done() != nil {
		s.stopCancel = context.AfterFunc(ctx, func() { _ = s.raw.SetReadDeadline(time.Unix(1, 0)) })
	}
}

func (s *Session) readDirect(ctx context.Context) (inFrame, error) {
	typ, payload, err := s.fr.ReadFrame()
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("x protocol command on %s: %w", s.addr, ctx.Err())
		} else {
			err = fmt.Errorf("read from %s: %w", s.addr, err)
		}
		s.fail(err)
		return inFrame{}, err
	}
	if typ == wire.ServerNotice {
		if err := s.deliverNotice(payload); err != nil {
			s.fail(err)
			return inFrame{}, err
		}
	}
	return inFrame{typ: typ, payload: payload}, nil
}

// end returns the session after the command's last frame and gives the FrameReader back to the reader.
func (s *Session) end() {
	s.inCommand.Store(false)
	if s.lent {
		s.lent = false
		if s.stopCancel != nil {
			s.stopCancel()
			s.stopCancel = nil
		}
		if s.readDeadline {
			_ = s.raw.SetReadDeadline(time.Time{})
			s.readDeadline = false
		}
		select {
		case s.ack <- struct{}{}:
		case <-s.done:
		}
	}
	s.release()
}
