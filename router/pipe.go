package router

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// spliceWindow is how long one io.Copy runs before it returns to wait for data again. Go's splice holds a
// kernel pipe (two descriptors) for as long as io.Copy runs; waiting for data outside of it keeps idle
// connections at two descriptors, not six.
const spliceWindow = time.Second

// direction names a copy for the bytes metric.
type direction uint8

const (
	toBackend direction = iota
	toClient
)

func (d direction) String() string { return [...]string{"to_backend", "to_client"}[d] }

// pipe moves bytes both ways until either side ends, then closes both.
func (s *Server) pipe(p *proxied) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.copy(p, p.server, p.client, toBackend)
	}()
	s.copy(p, p.client, p.server, toClient)
	<-done
	p.close("")
}

// copy moves src's bytes to dst with io.Copy (splice between two *net.TCPConn on Linux). A clean end of src is
// passed on as a half close, so the other direction can finish; any error closes both sides.
func (s *Server) copy(p *proxied, dst, src net.Conn, dir direction) {
	bytes := s.metrics.bytes(p.route, dir)
	for {
		if !s.await(p, src) {
			p.close("")
			return
		}
		_ = src.SetReadDeadline(time.Now().Add(spliceWindow))
		n, err := io.Copy(dst, src)
		if n > 0 {
			bytes.Add(float64(n))
			p.touch()
		}
		switch {
		case err == nil:
			closeWrite(dst)
			return
		case errors.Is(err, os.ErrDeadlineExceeded):
			continue
		default:
			p.close("")
			return
		}
	}
}

// await blocks until src has data (or its end) to read, holding no pipe. With an idle timeout it closes the
// connection once neither direction moved a byte for that long; false means the connection is over.
func (s *Server) await(p *proxied, src net.Conn) bool {
	for {
		deadline := time.Time{}
		if s.IdleTimeout > 0 {
			deadline = time.Now().Add(s.IdleTimeout)
		}
		_ = src.SetReadDeadline(deadline)
		err := waitReadable(src)
		if err == nil {
			return true
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return false
		}
		if p.idleFor() >= s.IdleTimeout {
			p.close(reasonIdleTimeout)
			return false
		}
	}
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}

// waitReadable waits until c is readable (data or its end) without reading; other connections return at once.
func waitReadable(c net.Conn) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var werr error
	if err := rc.Read(func(fd uintptr) bool { return peek(fd, &werr) }); err != nil {
		return err
	}
	return werr
}
