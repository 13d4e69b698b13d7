package classic

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func TestCrashDropsConnectionsAndRefusesNewOnes(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[tlsOn], func(t *testing.T) { testCrash(t, tlsOn) })
	}
}

func testCrash(t *testing.T, tlsOn bool) {
	s, _, addr := newTestServer(t, tlsOn)
	db := openDB(t, addr, "native", "native-pw", func(c *mysql.Config) {
		if tlsOn {
			c.TLS = clientTLS(s)
		}
	})
	c := conn(t, db)
	if got := queryString(t, c, "SELECT 1"); got != "1" {
		t.Fatal(got)
	}
	s.SetRefusing(true)
	if n := s.CloseAll(); n != 1 {
		t.Fatalf("CloseAll dropped %d connections, want 1", n)
	}
	if err := c.PingContext(context.Background()); err == nil {
		t.Fatal("connection survived the crash")
	}
	// A new TCP connection is reset before the greeting (sometimes before connect returns).
	if nc, err := net.Dial("tcp", addr); err == nil {
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := nc.Read(make([]byte, 1)); err == nil || isTimeout(err) {
			t.Fatalf("refused connection read: %v, want reset/EOF", err)
		}
		_ = nc.Close()
	}
	if err := openDB(t, addr, "native", "native-pw", nil).Ping(); err == nil {
		t.Fatal("login succeeded while refusing")
	}
	waitFor(t, func() bool { return len(s.Conns()) == 0 })
	s.SetRefusing(false)
	if got := queryString(t, db, "SELECT 1"); got != "1" {
		t.Fatal(got)
	}
}

func TestKillCancelsTheRunningQuery(t *testing.T) {
	s, _, addr := newTestServer(t, false)
	db := openDB(t, addr, "native", "native-pw", nil)
	c := conn(t, db)
	id, _ := strconv.ParseUint(queryString(t, c, "SELECT CONNECTION_ID()"), 10, 32)
	errc := make(chan error, 1)
	go func() {
		_, err := c.ExecContext(context.Background(), "WAIT")
		errc <- err
	}()
	waitFor(t, func() bool { return connBusy(s, uint32(id)) })
	if !s.Kill(uint32(id)) {
		t.Fatal("Kill did not find the connection")
	}
	if s.Kill(99999) {
		t.Fatal("Kill found a connection that does not exist")
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("killed query succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("killed query still running")
	}
}

func TestShutdownWaitsForRunningCommand(t *testing.T) {
	h := newTestHandler()
	s := &Server{Handler: h, Credentials: testAccounts}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	addr := l.Addr().String()
	idle := conn(t, openDB(t, addr, "native", "native-pw", nil))
	busy := conn(t, openDB(t, addr, "native", "native-pw", nil))
	if queryString(t, idle, "SELECT 1") != "1" {
		t.Fatal("idle connection not working")
	}
	result := make(chan string, 1)
	go func() {
		var s string
		err := busy.QueryRowContext(context.Background(), "WAIT").Scan(&s)
		if err != nil {
			s = err.Error()
		}
		result <- s
	}()
	waitFor(t, func() bool { return len(h.seen()) == 2 })
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	// The idle connection goes at once; the busy one finishes its query first.
	waitFor(t, func() bool { return len(s.Conns()) == 1 })
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve returned %v", err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v before the busy query finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(h.release)
	if got := <-result; got != "done" {
		t.Fatalf("busy query got %q", got)
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("listener still open after Shutdown")
	}
	if err := s.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Shutdown: %v", err)
	}
}

func TestShutdownDeadlineCancelsQueries(t *testing.T) {
	h := newTestHandler()
	s := &Server{Handler: h, Credentials: testAccounts}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(l) }()
	busy := conn(t, openDB(t, l.Addr().String(), "native", "native-pw", nil))
	errc := make(chan error, 1)
	go func() {
		_, err := busy.ExecContext(context.Background(), "WAIT")
		errc <- err
	}()
	waitFor(t, func() bool { return len(h.seen()) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want DeadlineExceeded", err)
	}
	if err := <-errc; err == nil {
		t.Fatal("query survived a forced shutdown")
	}
}

func TestListenAndServe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	s := &Server{Addr: addr, Handler: newTestHandler(), Credentials: testAccounts}
	started := make(chan struct{})
	s.NotifyStartedFunc = func() { close(started) }
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe() }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("ListenAndServe: %v", err)
	}
	if got := queryString(t, openDB(t, addr, "native", "native-pw", nil), "SELECT 1"); got != "1" {
		t.Fatal(got)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("ListenAndServe returned %v", err)
	}
	if err := (&Server{}).Serve(l); err == nil {
		t.Fatal("Serve without a Handler succeeded")
	}
}

func connBusy(s *Server, id uint32) bool {
	for _, c := range s.Conns() {
		if c.ID() == id {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.busy
		}
	}
	return false
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
