package serviceproxy

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// forwarder is one Service port: a loopback listener that exists only while the port has backends, and the
// connections it carries.
type forwarder struct {
	name        string
	host        string
	port        int // the Service port, or 0 until a free one was picked (then kept)
	dialTimeout time.Duration
	log         logr.Logger
	wg          *sync.WaitGroup

	mu       sync.Mutex
	backends []string
	l        net.Listener
	conns    map[net.Conn]struct{}
	closed   bool
}

// set gives the port its backends: it starts listening when it gets its first and stops (refusing new
// connections, keeping established ones, as conntrack does) when it has none left.
func (f *forwarder) set(backends []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.Equal(f.backends, backends) {
		f.log.V(1).Info("endpoints", "port", f.name, "backends", backends)
	}
	f.backends = backends
	switch {
	case f.closed:
	case len(backends) > 0 && f.l == nil:
		l, err := net.Listen("tcp", net.JoinHostPort(f.host, strconv.Itoa(f.port)))
		if err != nil {
			f.log.Error(err, "listen", "port", f.name) // tried again on the next sync
			return
		}
		f.l, f.port = l, l.Addr().(*net.TCPAddr).Port
		f.log.Info("forwarding", "port", f.name, "address", l.Addr().String())
		f.wg.Add(1)
		go f.accept(l)
	case len(backends) == 0 && f.l != nil:
		_ = f.l.Close()
		f.l = nil
		f.log.Info("no ready endpoint: refusing", "port", f.name)
	}
}

func (f *forwarder) addr() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.l == nil {
		return ""
	}
	return f.l.Addr().String()
}

func (f *forwarder) accept(l net.Listener) {
	defer f.wg.Done()
	for {
		c, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			f.log.Error(err, "accept", "port", f.name)
			continue
		}
		f.wg.Add(1)
		go f.serve(c)
	}
}

// serve forwards one connection to a backend picked at random, as kube-proxy's iptables rules do; a backend
// that cannot be reached fails the connection (no retry on another one).
func (f *forwarder) serve(c net.Conn) {
	defer f.wg.Done()
	f.mu.Lock()
	var backend string
	if n := len(f.backends); n > 0 && !f.closed {
		backend = f.backends[rand.IntN(n)]
	}
	f.mu.Unlock()
	if backend == "" {
		_ = c.Close()
		return
	}
	b, err := net.DialTimeout("tcp", backend, f.dialTimeout)
	if err != nil {
		f.log.V(1).Info("endpoint unreachable", "port", f.name, "backend", backend, "error", err.Error())
		_ = c.Close()
		return
	}
	if !f.track(c, b) {
		return
	}
	defer f.untrack(c, b)
	pipe(c, b)
}

func (f *forwarder) track(conns ...net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		for _, c := range conns {
			_ = c.Close()
		}
		return false
	}
	for _, c := range conns {
		f.conns[c] = struct{}{}
	}
	return true
}

func (f *forwarder) untrack(conns ...net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range conns {
		delete(f.conns, c)
	}
}

// pipe copies both ways, passing a half-close on, until both directions ended; then it closes both.
func pipe(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		} else {
			_ = dst.Close()
		}
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	<-done
	_ = a.Close()
	_ = b.Close()
}

// close stops listening and closes every connection.
func (f *forwarder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	if f.l != nil {
		_ = f.l.Close()
		f.l = nil
	}
	for c := range f.conns {
		_ = c.Close()
	}
}
