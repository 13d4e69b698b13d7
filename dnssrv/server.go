package dnssrv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
)

// ErrServerClosed is returned by the Serve methods after Shutdown.
var ErrServerClosed = errors.New("dnssrv: server closed")

// Server answers one Zone over UDP and TCP, authoritatively: names outside it are REFUSED (no recursion),
// AXFR/IXFR only with an allowed TSIG key, ANY with one RRset (RFC 8482). Set the fields, SetZone, then
// ServeUDP/ServeTCP per socket (or ListenAndServe); SetZone may be called at any time and swaps atomically.
// Fields must not change after the first Serve. The zero value of every field is its documented default.
type Server struct {
	// Addr is ListenAndServe's address, for UDP and TCP both. Default "127.0.0.1:5353".
	Addr string
	// UDPSize is the EDNS0 buffer size advertised, and the cap of a UDP answer to an EDNS0 client; larger
	// answers are sent truncated (TC) so the client retries over TCP. Default 1232 (DNS flag day 2020).
	UDPSize int
	// TransferKeys allow AXFR/IXFR (over TCP, answered with the whole zone) to requests signed with one of
	// these TSIG keys: key name (fully qualified) to base64 secret, hmac-sha256. Default none: REFUSED.
	TransferKeys map[string]string
	// UDPReaders is how many goroutines read a socket given to ServeUDP, and how many sockets (one reader each)
	// ListenUDP and ListenAndServe open. Default GOMAXPROCS.
	UDPReaders int
	// NoUDPBatching reads and answers one datagram per syscall pair instead of up to 32 (recvmmsg/sendmmsg,
	// Linux only; a batched query longer than 4096 bytes is dropped). Default false: batch.
	NoUDPBatching bool
	// TCPIdleTimeout closes a TCP connection that sends no query for that long (RFC 7766). Default 10s.
	TCPIdleTimeout time.Duration
	// MaxTCPConnections bounds the open TCP connections; the next are closed at once. Default 1000.
	MaxTCPConnections int
	// Logger receives socket errors. Default: discards.
	Logger logr.Logger
	// NotifyStartedFunc, for tests, is called each time a Serve call starts reading its socket.
	NotifyStartedFunc func()

	zone atomic.Pointer[packedZone]

	mu       sync.Mutex
	closers  map[interface{ Close() error }]struct{}
	conns    map[net.Conn]struct{}
	closing  bool
	handlers sync.WaitGroup
}

func (s *Server) udpSize() int { return orDefaultInt(s.UDPSize, 1232) }

func orDefaultInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// SetZone packs every answer of z and swaps it in; queries in flight finish on the previous zone.
func (s *Server) SetZone(z *Zone) error {
	p, err := packZone(z, max(s.udpSize(), 512))
	if err != nil {
		return fmt.Errorf("pack zone %s serial %d: %w", z.Origin(), z.Serial(), err)
	}
	s.zone.Store(p)
	return nil
}

// Zone returns the zone being served, nil before SetZone.
func (s *Server) Zone() *Zone {
	if p := s.zone.Load(); p != nil {
		return p.zone
	}
	return nil
}

// ListenAndServe serves Addr over UDP (ListenUDP's sockets) and TCP until Shutdown.
func (s *Server) ListenAndServe() error {
	addr := s.Addr
	if addr == "" {
		addr = "127.0.0.1:5353"
	}
	pcs, err := s.ListenUDP(addr)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", pcs[0].LocalAddr().String())
	if err != nil {
		closeAll(pcs)
		return fmt.Errorf("listen on tcp %s: %w", addr, err)
	}
	errs := make(chan error, 2)
	go func() { errs <- s.ServeUDPSockets(pcs) }()
	go func() { errs <- s.ServeTCP(l) }()
	err = <-errs
	closeAll(pcs)
	_ = l.Close()
	return errors.Join(err, <-errs)
}

// ListenUDP opens addr for UDP once per reader (UDPReaders), the sockets sharing the port with SO_REUSEPORT on
// Linux: the kernel spreads the clients over them, so readers do not take turns on one socket (12 % more qps
// than two readers on one socket, docs/benchmarks.md). Elsewhere, or with one reader, it is one socket. Serve
// them with ServeUDPSockets.
func (s *Server) ListenUDP(addr string) ([]net.PacketConn, error) {
	pcs, err := listenUDP(addr, orDefaultInt(s.UDPReaders, runtime.GOMAXPROCS(0)))
	if err != nil {
		return nil, fmt.Errorf("listen on udp %s: %w", addr, err)
	}
	return pcs, nil
}

func closeAll(pcs []net.PacketConn) {
	for _, pc := range pcs {
		_ = pc.Close()
	}
}

// track registers a socket for Shutdown; false once shutting down.
func (s *Server) track(c interface{ Close() error }) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		_ = c.Close()
		return false
	}
	if s.closers == nil {
		s.closers, s.conns = map[interface{ Close() error }]struct{}{}, map[net.Conn]struct{}{}
	}
	s.closers[c] = struct{}{}
	return true
}

func (s *Server) untrack(c interface{ Close() error }) {
	s.mu.Lock()
	delete(s.closers, c)
	s.mu.Unlock()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// Shutdown closes the sockets and the TCP connections and waits for their goroutines, or for ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for c := range s.closers {
		_ = c.Close()
	}
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.handlers.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shut down dns server: %w", ctx.Err())
	}
}

// ServeUDP answers the datagrams of pc with UDPReaders readers until Shutdown; it returns ErrServerClosed then.
func (s *Server) ServeUDP(pc net.PacketConn) error {
	return s.serveUDP([]net.PacketConn{pc}, orDefaultInt(s.UDPReaders, runtime.GOMAXPROCS(0)))
}

// ServeUDPSockets answers on every socket of ListenUDP, one reader each (UDPReaders on a single socket), until
// Shutdown; it returns ErrServerClosed then.
func (s *Server) ServeUDPSockets(pcs []net.PacketConn) error {
	if len(pcs) == 1 {
		return s.ServeUDP(pcs[0])
	}
	return s.serveUDP(pcs, 1)
}

func (s *Server) serveUDP(pcs []net.PacketConn, readers int) error {
	defer func() {
		for _, pc := range pcs {
			s.untrack(pc)
		}
	}()
	for _, pc := range pcs {
		if !s.track(pc) { // shutting down: track closed it
			closeAll(pcs)
			return ErrServerClosed
		}
	}
	if s.NotifyStartedFunc != nil {
		s.NotifyStartedFunc()
	}
	errs := make(chan error, len(pcs)*readers)
	for _, pc := range pcs {
		for range readers {
			s.handlers.Add(1)
			go func() { defer s.handlers.Done(); errs <- s.readUDP(pc) }()
		}
	}
	err := <-errs
	closeAll(pcs) // the other readers end with them
	if s.isClosing() {
		return ErrServerClosed
	}
	return fmt.Errorf("read udp %s: %w", pcs[0].LocalAddr(), err)
}

// readUDP is one reader's loop; its buffers are its own, so a steady-state query allocates nothing.
func (s *Server) readUDP(pc net.PacketConn) error {
	if !s.NoUDPBatching {
		if ok, err := s.readUDPBatched(pc); ok {
			return err
		}
	}
	buf, out := make([]byte, 65535), make([]byte, 0, 4096)
	q := new(query)
	udp, _ := pc.(*net.UDPConn)
	for {
		var resp []byte
		if udp != nil {
			n, addr, err := udp.ReadFromUDPAddrPort(buf)
			if err != nil {
				return err
			}
			if resp = s.answer(out, buf[:n], q, true); resp != nil {
				_, _ = udp.WriteToUDPAddrPort(resp, addr)
			}
		} else {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return err
			}
			if resp = s.answer(out, buf[:n], q, true); resp != nil {
				_, _ = pc.WriteTo(resp, addr)
			}
		}
		if cap(resp) > cap(out) {
			out = resp[:0]
		}
	}
}

// Answer is the handler: it returns the response to msg written into dst (reused when large enough), or nil
// when msg gets no answer (a response, or shorter than a header). udp truncates answers the client cannot take.
func (s *Server) Answer(dst, msg []byte, udp bool) []byte {
	return s.answer(dst, msg, new(query), udp)
}

func (s *Server) answer(dst, msg []byte, q *query, udp bool) []byte {
	p := s.zone.Load()
	if parseQuery(msg, q); !q.badShape && p != nil {
		if resp := p.answer(dst, msg, q, udp); resp != nil {
			return resp
		}
	}
	return s.slowAnswer(p, msg, udp)
}
