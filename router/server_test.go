package router

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestStaticBackendPassesBytesBothWays(t *testing.T) {
	b := startBackend(t, echo)
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}})
	c := dial(t, r.addr[ClassicRW])
	if got := readN(t, c, 6); got != "hello\n" {
		t.Fatalf("banner %q", got)
	}
	payload := make([]byte, 4<<20)
	_, _ = rand.Read(payload)
	go func() { _, _ = c.Write(payload) }()
	if got := readN(t, c, len(payload)); got != string(payload) {
		t.Fatal("echoed bytes differ")
	}
	_ = c.Close()
	waitFor(t, "the connection gauge back to 0", func() bool {
		return r.counter(t, "connections", "classic_rw", b.addr) == 0
	})
	if r.counter(t, "bytes", "classic_rw", "to_backend") != float64(len(payload)) ||
		r.counter(t, "bytes", "classic_rw", "to_client") != float64(len(payload)+6) {
		t.Fatalf("bytes to backend %v, to client %v", r.counter(t, "bytes", "classic_rw", "to_backend"),
			r.counter(t, "bytes", "classic_rw", "to_client"))
	}
	if r.counter(t, "opened", "classic_rw", b.addr) != 1 {
		t.Fatal("connections_total not counted")
	}
}

func banner(text string) func(net.Conn) {
	return func(c net.Conn) {
		_, _ = c.Write([]byte(text))
		_, _ = io.Copy(io.Discard, c)
		_ = c.Close()
	}
}

func TestROGoesRoundRobinAndRWToTheFirst(t *testing.T) {
	a, b := startBackend(t, banner("a")), startBackend(t, banner("b"))
	r := startRouter(t, &Server{StaticBackends: []string{a.addr, b.addr}})
	var got []string
	for range 4 {
		got = append(got, readN(t, dial(t, r.addr[ClassicRO]), 1))
	}
	if got[0] == got[1] || got[0] != got[2] || got[1] != got[3] {
		t.Fatalf("RO destinations %v, want alternating", got)
	}
	for range 3 {
		if s := readN(t, dial(t, r.addr[XRW]), 1); s != "a" {
			t.Fatalf("RW went to %q", s)
		}
	}
}

// The router parses nothing it routes: any byte sequence, a TLS ClientHello included, comes back unchanged.
func TestGarbagePassesThroughUnchanged(t *testing.T) {
	b := startBackend(t, echo)
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}})
	for _, route := range Routes {
		c := dial(t, r.addr[route])
		readN(t, c, 6)
		junk := []byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xff\xff\xff\xff\x00\x00\x00\x00garbage")
		if _, err := c.Write(junk); err != nil {
			t.Fatal(err)
		}
		if got := readN(t, c, len(junk)); got != string(junk) {
			t.Fatalf("%s: echoed %q", route, got)
		}
	}
}

// A client's half close reaches the backend; the backend's answer and its own close come back.
func TestHalfCloseIsPassedOn(t *testing.T) {
	b := startBackend(t, func(c net.Conn) {
		all, _ := io.ReadAll(c) // until the client's half close
		_, _ = c.Write(bytes.ToUpper(all))
		_ = c.Close()
	})
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}})
	c := dial(t, r.addr[ClassicRW]).(*net.TCPConn)
	_, _ = c.Write([]byte("quit"))
	_ = c.CloseWrite()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if got, err := io.ReadAll(c); err != nil || string(got) != "QUIT" {
		t.Fatalf("after half close: %q %v", got, err)
	}
}

// A client that resets its connection takes the backend connection down with it.
func TestClientResetClosesTheBackendConnection(t *testing.T) {
	ended := make(chan error, 1)
	b := startBackend(t, func(c net.Conn) {
		_, _ = c.Write([]byte("x"))
		_, err := io.Copy(io.Discard, c)
		ended <- err
	})
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}})
	c := dial(t, r.addr[ClassicRW]).(*net.TCPConn)
	readN(t, c, 1)
	_ = c.SetLinger(0)
	_ = c.Close()
	select {
	case err := <-ended:
		t.Logf("backend connection ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("backend connection still open after the client's reset")
	}
}

// A backend that closes in the middle of a result: the client gets what was sent, then the end.
func TestBackendClosingMidResult(t *testing.T) {
	half := bytes.Repeat([]byte("row\n"), 64<<10)
	b := startBackend(t, func(c net.Conn) { _, _ = c.Write(half); _ = c.Close() })
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}})
	c := dial(t, r.addr[ClassicRO])
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, half) {
		t.Fatalf("read %d of %d bytes: %v", len(got), len(half), err)
	}
}

// A backend that accepts and never answers holds only its own client; the idle timeout closes it.
func TestBackendThatAcceptsAndHangs(t *testing.T) {
	hung := startBackend(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	fine := startBackend(t, echo)
	r := startRouter(t, &Server{StaticBackends: []string{fine.addr, hung.addr}, IdleTimeout: 200 * time.Millisecond})
	// RO alternates: the first RO connection goes to fine, the second to hung.
	readN(t, dial(t, r.addr[ClassicRO]), 6)
	stuck := dial(t, r.addr[ClassicRO])
	c := dial(t, r.addr[ClassicRW])
	if readN(t, c, 6) != "hello\n" {
		t.Fatal("the healthy backend is blocked by the hung one")
	}
	if !closedByPeer(stuck) {
		t.Fatal("the idle connection to the hung backend was not closed")
	}
	waitFor(t, "idle_timeout counted", func() bool { return r.counter(t, "closed", "classic_ro", "idle_timeout") >= 1 })
}

// fullBacklog is a listener whose accept queue is full: connects to it hang, as to a host that drops SYNs.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	for range 16 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr // the queue is full
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	t.Fatal("could not fill the accept queue")
	return ""
}

func TestBackendConnectTimeoutRefusesWithError2003(t *testing.T) {
	r := startRouter(t, &Server{StaticBackends: []string{fullBacklog(t)}, ConnectTimeout: 300 * time.Millisecond})
	c := dial(t, r.addr[ClassicRW])
	code, msg := readClassicError(t, c)
	if code != codeCantConnect || !bytes.Contains([]byte(msg), []byte("Can't connect to remote MySQL server")) {
		t.Fatalf("got %d %q", code, msg)
	}
	if r.counter(t, "refused", "classic_rw", refusedConnectFailed) != 1 {
		t.Fatal("connect_failed not counted")
	}
}

func TestMaxConnections(t *testing.T) {
	b := startBackend(t, echo)
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}, MaxConnections: 2})
	readN(t, dial(t, r.addr[ClassicRW]), 6)
	readN(t, dial(t, r.addr[XRO]), 6)
	code, msg := readClassicError(t, dial(t, r.addr[ClassicRO]))
	if code != codeTooManyConns || msg != "Too many connections" {
		t.Fatalf("over the limit: %d %q", code, msg)
	}
	xe := xRefusal(t, r.addr[XRW])
	if xe.Code != codeTooManyConns || xe.SQLState != "08004" {
		t.Fatalf("X over the limit: %+v", xe)
	}
	if r.counter(t, "refused", "classic_ro", refusedMaxConnections) != 1 {
		t.Fatal("max_connections refusal not counted")
	}
}

func TestShutdownDrainsEstablishedConnections(t *testing.T) {
	b := startBackend(t, echo)
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}})
	c := dial(t, r.addr[ClassicRW])
	readN(t, c, 6)
	done := make(chan error, 1)
	go func() { done <- r.s.Shutdown(context.Background()) }()
	waitFor(t, "listeners closed", func() bool {
		nc, err := net.DialTimeout("tcp", r.addr[ClassicRW], time.Second)
		if err == nil {
			_ = nc.Close()
		}
		return err != nil
	})
	if _, err := c.Write([]byte("still")); err != nil {
		t.Fatal(err)
	}
	if readN(t, c, 5) != "still" {
		t.Fatal("the established connection stopped during the drain")
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with a connection open", err)
	case <-time.After(100 * time.Millisecond):
	}
	_ = c.Close()
	if err := <-done; err != nil {
		t.Fatalf("Shutdown after the drain: %v", err)
	}
}

func TestShutdownClosesWhatIsLeftAtTheDrainTimeout(t *testing.T) {
	b := startBackend(t, echo)
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}})
	c := dial(t, r.addr[XRO])
	readN(t, c, 6)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := r.s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v", err)
	}
	if !closedByPeer(c) {
		t.Fatal("connection left open after the drain timeout")
	}
	if r.counter(t, "closed", "x_ro", reasonShutdown) != 1 {
		t.Fatal("shutdown close not counted")
	}
}

// Thousands of connections opened and closed, routed and refused, leave no goroutine or descriptor behind.
func TestNoLeakAfterChurn(t *testing.T) {
	b := startBackend(t, echo)
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}, MaxConnections: 30})
	refusing := startRouter(t, &Server{Members: []string{"127.0.0.1:1"}, MemberXPort: 1})
	time.Sleep(50 * time.Millisecond)
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)
	var wg sync.WaitGroup
	for w := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				to := r
				if i%5 == 0 {
					to = refusing
				}
				churnOne(to.addr[Routes[(w+i)%4]], i%3 == 0)
			}
		}()
	}
	wg.Wait()
	t.Logf("refused over the limit: %v", r.counter(t, "refused", "classic_rw", refusedMaxConnections))
	b.mu.Lock()
	b.conns = nil // the backend's own closed connections
	b.mu.Unlock()
	settle(t, goroutines, fds, 8)
}

// churnOne opens a connection, exchanges a few bytes (a banner and an echo, or a refusal), and closes it
// cleanly or with a reset.
func churnOne(addr string, reset bool) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = c.Write([]byte("ping"))
	_, _ = io.ReadFull(c, make([]byte, 10))
	if reset {
		_ = c.(*net.TCPConn).SetLinger(0)
	}
	_ = c.Close()
}

// Idle connections hold their two sockets in the router and no splice pipe.
func TestIdleConnectionsHoldNoPipe(t *testing.T) {
	b := startBackend(t, echo)
	r := startRouter(t, &Server{StaticBackends: []string{b.addr}})
	before := openFDs(t)
	const n = 100
	for range n {
		readN(t, dial(t, r.addr[ClassicRW]), 6)
	}
	// Each connection is 4 descriptors in this process: the client, the router's two, the backend's.
	// Go keeps released splice pipes in a pool until the garbage collector runs.
	waitFor(t, "splice pipes released", func() bool { runtime.GC(); return openFDs(t)-before <= 4*n+4 })
}
