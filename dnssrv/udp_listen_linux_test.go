package dnssrv

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// ListenUDP gives each reader its own socket on one port; queries from many senders, spread over the sockets
// by the kernel, are each answered at their sender, and Shutdown ends every reader.
func TestReadersShareThePortWithOwnSockets(t *testing.T) {
	s := &Server{UDPReaders: 4}
	if err := s.SetZone(build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()})); err != nil {
		t.Fatal(err)
	}
	pcs, err := s.ListenUDP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if len(pcs) != 4 {
		t.Fatalf("%d sockets for 4 readers, want 4", len(pcs))
	}
	addr := pcs[0].LocalAddr().String()
	for _, pc := range pcs[1:] {
		if pc.LocalAddr().String() != addr {
			t.Fatalf("socket on %s, want the shared %s", pc.LocalAddr(), addr)
		}
	}
	served := make(chan error, 1)
	go func() { served <- s.ServeUDPSockets(pcs) }()
	const senders, perSender = 16, 20
	errs := make(chan error, senders)
	for c := range senders {
		go func() { errs <- burst(addr, uint16(c*perSender), perSender) }()
	}
	for range senders {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("ServeUDPSockets returned %v, want ErrServerClosed", err)
	}
}

// SO_REUSEPORT would let a second server of the same user join the port and take half the queries: a second
// ListenAndServe on the address fails instead (its TCP listener cannot bind), leaving the first alone.
func TestSecondServerOnTheAddressFails(t *testing.T) {
	z := build(t, Cluster{Name: "mycluster", Namespace: "default", Members: threeMembers()})
	first := &Server{UDPReaders: 2}
	if err := first.SetZone(z); err != nil {
		t.Fatal(err)
	}
	pcs, err := first.ListenUDP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pcs[0].LocalAddr().String()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = first.ServeUDPSockets(pcs) }()
	go func() { _ = first.ServeTCP(l) }()
	t.Cleanup(func() { _ = first.Shutdown(context.Background()) })
	second := &Server{Addr: addr, UDPReaders: 2}
	if err := second.SetZone(z); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- second.ListenAndServe() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a second server on the address started")
		}
	case <-time.After(5 * time.Second):
		_ = second.Shutdown(context.Background())
		t.Fatal("a second server on the address is serving")
	}
}
