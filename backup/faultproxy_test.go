package backup_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fault is what the proxy does to one request.
type fault int

const (
	pass fault = iota
	internalError
	slowDown
	reset
	stall
	resetMidBody // answers, then cuts the response body short
)

// faultProxy sits between the engine and the S3 server and injects faults chosen by its plan for the n-th
// request (counting from 0).
type faultProxy struct {
	URL   string
	plan  func(n int64, r *http.Request) fault
	n     atomic.Int64
	mu    sync.Mutex
	count map[fault]int
	stall time.Duration
}

func startFaultProxy(t *testing.T, target string, stallFor time.Duration,
	plan func(int64, *http.Request) fault) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{plan: plan, count: map[fault]int{}, stall: stallFor}
	rp := httputil.NewSingleHostReverseProxy(u)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: p.handler(rp), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	p.URL = "http://" + l.Addr().String()
	return p
}

func (p *faultProxy) injected(f fault) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count[f]
}

func (p *faultProxy) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := p.plan(p.n.Add(1)-1, r)
		p.mu.Lock()
		p.count[f]++
		p.mu.Unlock()
		switch f {
		case internalError:
			_, _ = io.Copy(io.Discard, r.Body)
			s3Error(w, http.StatusInternalServerError, "InternalError")
		case slowDown:
			_, _ = io.Copy(io.Discard, r.Body)
			s3Error(w, http.StatusServiceUnavailable, "SlowDown")
		case reset:
			resetConn(w)
		case stall:
			select {
			case <-time.After(p.stall):
			case <-r.Context().Done():
			}
			resetConn(w)
		case resetMidBody:
			next.ServeHTTP(&cutWriter{ResponseWriter: w, left: 512}, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+
		`</Code><Message>injected</Message></Error>`)
}

// resetConn closes the connection with a TCP RST.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server drops the connection
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// cutWriter passes left bytes of the body, then resets the connection.
type cutWriter struct {
	http.ResponseWriter
	left int
	cut  bool
}

func (c *cutWriter) Write(b []byte) (int, error) {
	if c.cut {
		return 0, io.ErrClosedPipe
	}
	if len(b) <= c.left {
		c.left -= len(b)
		return c.ResponseWriter.Write(b)
	}
	n, _ := c.ResponseWriter.Write(b[:c.left])
	http.NewResponseController(c.ResponseWriter).Flush() //nolint:errcheck // best effort before the cut
	c.cut = true
	resetConn(c.ResponseWriter)
	return n, io.ErrClosedPipe
}
