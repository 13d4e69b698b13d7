package router

import (
	"context"
	"io"
	"net"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// running is a Server serving the four routes on 127.0.0.1:0 and its HTTP handler.
type running struct {
	s    *Server
	addr map[Route]string
	http *httptest.Server
}

func startRouter(t *testing.T, s *Server) *running {
	t.Helper()
	if s.Logger.GetSink() == nil {
		s.Logger = testr.NewWithOptions(t, testr.Options{Verbosity: 0})
	}
	r := &running{s: s, addr: map[Route]string{}}
	var wg sync.WaitGroup
	s.NotifyStartedFunc = wg.Done
	for _, route := range Routes {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r.addr[route] = l.Addr().String()
		wg.Add(1)
		go func() { _ = s.Serve(l, route) }()
	}
	wg.Wait()
	r.http = httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		r.http.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return r
}

// counter reads one series of the router's registry (labels in the order the metric declares them).
func (r *running) counter(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	m := r.s.metrics
	var c prometheus.Metric
	switch name {
	case "refused":
		c = m.refusedTotal.WithLabelValues(labels...)
	case "closed":
		c = m.closedTotal.WithLabelValues(labels...)
	case "opened":
		c = m.openedTotal.WithLabelValues(labels...)
	case "connections":
		c = m.connections.WithLabelValues(labels...)
	case "route_changes":
		c = m.routeChanges.WithLabelValues(labels...)
	case "bytes":
		c = m.bytesMoved.WithLabelValues(labels...)
	case "rw_learned":
		c = m.rwLearnedAt.WithLabelValues(labels...)
	default:
		t.Fatalf("no metric %s", name)
	}
	var out dto.Metric
	if err := c.Write(&out); err != nil {
		t.Fatal(err)
	}
	switch {
	case out.Counter != nil:
		return out.Counter.GetValue()
	case out.Gauge != nil:
		return out.Gauge.GetValue()
	}
	return 0
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: not reached within 15s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitTable(t *testing.T, s *Server, what string, cond func(Table) bool) Table {
	t.Helper()
	var tab Table
	waitFor(t, what, func() bool { tab = s.Table(); return cond(tab) })
	return tab
}

// backend is a TCP server on 127.0.0.1:0 that runs serve for each connection.
type backend struct {
	l     net.Listener
	addr  string
	mu    sync.Mutex
	conns []net.Conn
}

func startBackend(t *testing.T, serve func(net.Conn)) *backend {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{l: l, addr: l.Addr().String()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.conns = append(b.conns, c)
			b.mu.Unlock()
			go serve(c)
		}
	}()
	t.Cleanup(b.close)
	return b
}

func (b *backend) close() {
	_ = b.l.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.conns {
		_ = c.Close()
	}
}

// echo sends a banner (as a server greets first), then echoes everything back (without splice, so that the
// router's descriptors are the only pipes counted).
func echo(c net.Conn) {
	defer func() { _ = c.Close() }()
	if _, err := c.Write([]byte("hello\n")); err != nil {
		return
	}
	_, _ = io.CopyBuffer(struct{ io.Writer }{c}, struct{ io.Reader }{c}, make([]byte, 32<<10))
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func readN(t *testing.T, c net.Conn, n int) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, n)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("read %d bytes: %v (got %q)", n, err, buf)
	}
	return string(buf)
}

// closedByPeer reports whether c's peer closed it (EOF or reset) within a few seconds.
func closedByPeer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [64]byte
	for {
		_, err := c.Read(b[:])
		if err == nil {
			continue
		}
		return !os.IsTimeout(err)
	}
}

// openFDs counts this process's file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// settle waits until the goroutine and descriptor counts come back to at most the given ones (plus slack).
func settle(t *testing.T, goroutines, fds, slack int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		g, f := runtime.NumGoroutine(), openFDs(t)
		if g <= goroutines+slack && f <= fds+slack {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("leak: %d goroutines (was %d), %d descriptors (was %d)\n%s", g, goroutines, f, fds,
				firstStacks(string(buf[:n]), 40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func firstStacks(all string, n int) string {
	parts := strings.Split(all, "\n\n")
	if len(parts) > n {
		parts = parts[:n]
	}
	return strings.Join(parts, "\n\n")
}
