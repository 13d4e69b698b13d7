package dnssrv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/miekg/dns"
)

// ServeTCP answers the connections of l until Shutdown (RFC 7766: several queries per connection, each
// length-prefixed); it returns ErrServerClosed then.
func (s *Server) ServeTCP(l net.Listener) error {
	if !s.track(l) {
		return ErrServerClosed
	}
	defer s.untrack(l)
	if s.NotifyStartedFunc != nil {
		s.NotifyStartedFunc()
	}
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosing() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return fmt.Errorf("accept on %s: %w", l.Addr(), err)
		}
		if !s.trackConn(c) {
			_ = c.Close()
			continue
		}
		go s.serveConn(c)
	}
}

// trackConn registers c, false when the server is closing or full.
func (s *Server) trackConn(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || len(s.conns) >= orDefaultInt(s.MaxTCPConnections, 1000) {
		return false
	}
	s.conns[c] = struct{}{}
	s.handlers.Add(1)
	return true
}

func (s *Server) serveConn(c net.Conn) {
	defer func() {
		_ = c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.handlers.Done()
	}()
	idle := s.TCPIdleTimeout
	if idle <= 0 {
		idle = 10 * time.Second
	}
	buf, out := make([]byte, 65535), make([]byte, 2, 4096)
	q := new(query)
	for {
		_ = c.SetDeadline(time.Now().Add(idle))
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		msg := buf[:binary.BigEndian.Uint16(n[:])]
		if _, err := io.ReadFull(c, msg); err != nil {
			return
		}
		if isTransfer(msg) {
			if err := s.transfer(c, msg); err != nil {
				s.Logger.V(1).Info("zone transfer failed", "remote", c.RemoteAddr().String(), "error", err.Error())
				return
			}
			continue
		}
		resp := s.answer(out[2:], msg, q, false)
		if resp == nil {
			return
		}
		if cap(resp)+2 > cap(out) {
			out = make([]byte, 2, cap(resp)+2)
		}
		out = append(out[:2], resp...)
		binary.BigEndian.PutUint16(out, uint16(len(resp)))
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// isTransfer tells an AXFR or IXFR question without unpacking the message.
func isTransfer(msg []byte) bool {
	q := new(query)
	parseQuery(msg, q)
	if q.badShape {
		var m dns.Msg
		if m.Unpack(msg) != nil || len(m.Question) != 1 {
			return false
		}
		return m.Question[0].Qtype == dns.TypeAXFR || m.Question[0].Qtype == dns.TypeIXFR
	}
	return q.qtype == dns.TypeAXFR || q.qtype == dns.TypeIXFR
}

// writeMsg writes one length-prefixed message.
func writeMsg(c net.Conn, msg []byte) error {
	out := make([]byte, 2+len(msg))
	binary.BigEndian.PutUint16(out, uint16(len(msg)))
	copy(out[2:], msg)
	_, err := c.Write(out)
	return err
}
