package memberdial

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"
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
	for _, name := range []string{"db-0", "db-0.db-instances.ns.svc.cluster.local"} {
		if err := l.Set(name, ln.Addr().String()); err != nil {
			t.Fatal(err)
		}
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
	// A qualified name resolves exactly: once it is gone it must not reach a same-named pod of another namespace.
	l.Delete("db-0.db-instances.ns.svc.cluster.local")
	if err := l.Set("db-0", "127.0.0.9"); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Resolve("db-0.db-instances.ns.svc.cluster.local:3306"); err == nil {
		t.Fatalf("a removed qualified name fell back to the pod name: %s", got)
	}
}

func TestLoopbackKeepsDialedPortForHostTargets(t *testing.T) {
	l := NewLoopback()
	if err := l.Set("db-1.db-instances.ns.svc.cluster.local", "127.0.0.3"); err != nil {
		t.Fatal(err)
	}
	got, err := l.Resolve("db-1.db-instances.ns.svc.cluster.local:33060")
	if err != nil || got != "127.0.0.3:33060" {
		t.Fatalf("Resolve = %q, %v", got, err)
	}
}

func TestLoopbackFileFollowsTheFile(t *testing.T) {
	path := t.TempDir() + "/members.json"
	f := NewLoopbackFile(path)
	if _, err := f.DialContext(context.Background(), "tcp", "db-0:3306"); err == nil {
		t.Fatal("dial without a map file succeeded")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	if err := os.WriteFile(path, []byte(`{"db-0.db-instances.ns.svc.cluster.local": "`+ln.Addr().String()+`"}`),
		0o644); err != nil {
		t.Fatal(err)
	}
	c, err := f.DialContext(context.Background(), "tcp", "db-0.db-instances.ns.svc.cluster.local:3306")
	if err != nil {
		t.Fatalf("dial after the file appeared: %v", err)
	}
	_ = c.Close()
	if err := os.WriteFile(path, []byte(`{"db-0": "10.244.0.3"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	_ = os.Chtimes(path, later, later)
	if _, err := f.DialContext(context.Background(), "tcp", "db-0:3306"); err == nil {
		t.Fatal("a private-range target in the file was dialled")
	}
}
