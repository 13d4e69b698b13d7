package memberdial

import (
	"context"
	"net"
	"strings"
	"testing"
)

func TestLoopbackMapsMembersAndRefusesOthers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("hi"))
			_ = c.Close()
		}
	}()
	l := NewLoopback()
	if err := l.Set("db-0", ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"db-0.db-instances.ns.svc.cluster.local:3306", "db-0:33060"} {
		c, err := l.DialContext(context.Background(), "tcp", addr)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		buf := make([]byte, 2)
		if _, err := c.Read(buf); err != nil || string(buf) != "hi" {
			t.Fatalf("read from %s: %q %v", addr, buf, err)
		}
		_ = c.Close()
	}
	if _, err := l.DialContext(context.Background(), "tcp", "db-1.db-instances.ns.svc.cluster.local:3306"); err == nil ||
		!strings.Contains(err.Error(), "no loopback mapping") {
		t.Fatalf("unmapped member dialed: %v", err)
	}
	if err := l.Set("db-2", "10.244.0.7:3306"); err == nil {
		t.Fatal("a private-range target was accepted")
	}
	l.Delete("db-0")
	if _, err := l.Resolve("db-0:3306"); err == nil {
		t.Fatal("deleted member still resolves")
	}
}

func TestLoopbackKeepsDialedPortForHostTargets(t *testing.T) {
	l := NewLoopback()
	if err := l.Set("db-1", "127.0.0.3"); err != nil {
		t.Fatal(err)
	}
	got, err := l.Resolve("db-1.db-instances.ns.svc.cluster.local:33060")
	if err != nil || got != "127.0.0.3:33060" {
		t.Fatalf("Resolve = %q, %v", got, err)
	}
}
