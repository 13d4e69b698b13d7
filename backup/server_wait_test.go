package backup

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestWaitReadyGivesUpNamingTheServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	err = Server{Addr: addr, User: "root"}.WaitReady(context.Background(), 300*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("WaitReady on a closed port: %v, want an error naming %s", err, addr)
	}
}
