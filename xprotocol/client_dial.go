package xprotocol

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// Dial connects to addr, negotiates TLS and capabilities and authenticates. ctx bounds the whole
// handshake (its deadline and cancellation); it does not limit the returned Session's lifetime.
func Dial(ctx context.Context, addr string, cfg Config) (*Session, error) {
	dial := cfg.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial x protocol %s: %w", addr, err)
	}
	s := newSession(addr, conn, cfg)
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	err = s.handshake(ctx, cfg)
	stop()
	if err != nil {
		_ = conn.Close()
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return nil, fmt.Errorf("connect x protocol %s: %w", addr, err)
	}
	_ = s.raw.SetDeadline(time.Time{})
	go s.readLoop()
	return s, nil
}

func newSession(addr string, conn net.Conn, cfg Config) *Session {
	return &Session{
		addr: addr, conn: conn, raw: conn, fr: wire.NewFrameReader(conn, cfg.MaxFrameSize),
		busy: make(chan struct{}, 1), in: make(chan inFrame), ack: make(chan struct{}), done: make(chan struct{}),
		readerDone: make(chan struct{}), notices: make(chan wire.Notice, noticeBuffer(cfg.NoticeBuffer)),
	}
}

func (s *Session) handshake(ctx context.Context, cfg Config) error {
	if err := s.readCapabilities(); err != nil {
		return err
	}
	if err := s.negotiateTLS(cfg); err != nil {
		return err
	}
	if err := s.setConnectAttrs(cfg.ConnectAttrs); err != nil {
		return err
	}
	if len(cfg.Capabilities) > 0 {
		if err := s.expectOk(&wire.CapabilitiesSet{Capabilities: cfg.Capabilities}); err != nil {
			return fmt.Errorf("set capabilities: %w", err)
		}
	}
	return s.authenticate(cfg)
}

// call writes m and returns the first reply that is not a notice; notices are delivered as usual and
// CLIENT_ID_ASSIGNED is recorded. The payload is valid until the next call.
func (s *Session) call(m wire.Message) (uint8, []byte, error) {
	if m != nil {
		if err := s.write(m); err != nil {
			return 0, nil, err
		}
	}
	for {
		typ, payload, err := s.fr.ReadFrame()
		if err != nil {
			return 0, nil, fmt.Errorf("read from %s: %w", s.addr, err)
		}
		if typ != wire.ServerNotice {
			if typ == wire.ServerError {
				var e wire.Error
				if err := e.Unmarshal(payload); err != nil {
					return 0, nil, err
				}
				return typ, payload, &e
			}
			return typ, payload, nil
		}
		if err := s.noteHandshakeNotice(payload); err != nil {
			return 0, nil, err
		}
	}
}

func (s *Session) noteHandshakeNotice(payload []byte) error {
	var n wire.Notice
	if err := n.Unmarshal(payload); err != nil {
		return fmt.Errorf("decode notice: %w", err)
	}
	if n.Type == wire.NoticeSessionStateChanged {
		st, err := n.SessionStateChanged()
		if err == nil && st.Param == wire.StateClientIDAssigned && len(st.Values) == 1 {
			s.id = st.Values[0].Uint
		}
	}
	return s.deliverNotice(payload)
}

func (s *Session) expectOk(m wire.Message) error {
	typ, _, err := s.call(m)
	if err != nil {
		return err
	}
	if typ != wire.ServerOk {
		return fmt.Errorf("%w: got message type %d, want Ok", wire.ErrMalformed, typ)
	}
	return nil
}

func (s *Session) readCapabilities() error {
	typ, payload, err := s.call(wire.Empty(wire.ClientConCapabilitiesGet))
	if err != nil {
		return fmt.Errorf("get capabilities: %w", err)
	}
	if typ != wire.ServerConnCapabilities {
		return fmt.Errorf("%w: got message type %d, want Capabilities", wire.ErrMalformed, typ)
	}
	return s.caps.Unmarshal(payload)
}

// ErrTLSUnavailable is returned when the TLS mode requires TLS and the server does not offer it.
var ErrTLSUnavailable = errors.New("xprotocol: server does not offer TLS")

func (s *Session) negotiateTLS(cfg Config) error {
	if cfg.TLSMode == TLSDisabled {
		return nil
	}
	if _, offered := s.caps.Get(wire.CapTLS); !offered {
		if cfg.TLSMode == TLSPreferred {
			return nil
		}
		return ErrTLSUnavailable
	}
	tcfg, err := clientTLSConfig(cfg, s.addr)
	if err != nil {
		return err
	}
	if err := s.expectOk(&wire.CapabilitiesSet{Capabilities: []wire.Capability{{Name: wire.CapTLS,
		Value: wire.Bool(true)}}}); err != nil {
		return fmt.Errorf("set tls capability: %w", err)
	}
	tconn := tls.Client(s.raw, tcfg)
	if err := tconn.Handshake(); err != nil {
		return fmt.Errorf("tls handshake: %w", err)
	}
	s.conn, s.tls = tconn, true
	s.fr = wire.NewFrameReader(tconn, s.fr.Max())
	return s.readCapabilities()
}

func (s *Session) setConnectAttrs(extra map[string]string) error {
	attrs := map[string]string{
		"_client_name": "go-xprotocol", "_client_version": "1.0", "_os": runtime.GOOS,
		"_platform": runtime.GOARCH, "_pid": strconv.Itoa(os.Getpid()),
	}
	for k, v := range extra {
		attrs[k] = v
	}
	fields := make([]wire.ObjectField, 0, len(attrs))
	for k, v := range attrs {
		fields = append(fields, wire.ObjectField{Key: k, Value: wire.String(v)})
	}
	err := s.expectOk(&wire.CapabilitiesSet{Capabilities: []wire.Capability{{Name: wire.CapConnectAttrs,
		Value: wire.Object(fields...)}}})
	var xe *wire.Error
	if errors.As(err, &xe) && xe.Code == wire.ErCodeXCapabilityNotFound {
		return nil // an old server without connection attributes
	}
	if err != nil {
		return fmt.Errorf("set session_connect_attrs: %w", err)
	}
	return nil
}

func noticeBuffer(n int) int {
	if n <= 0 {
		return DefaultNoticeBuffer
	}
	return n
}
