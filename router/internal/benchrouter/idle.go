package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// idleFigures are one proxy's memory before and with the idle connections.
type idleFigures struct {
	name          string
	before, after int64 // RSS in KiB
	held          int
}

// sink is a backend that accepts and holds connections, so only the proxy's cost is measured (an idle
// connection that never logs in would be closed by MariaDB after its connect_timeout).
func sink() (net.Listener, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c); _ = c.Close() }()
		}
	}()
	return l, nil
}

// measureIdle holds n idle connections through HAProxy and through orca router, one proxy at a time.
func measureIdle(dir, orca string, n int) ([]idleFigures, error) {
	backend, err := sink()
	if err != nil {
		return nil, err
	}
	defer func() { _ = backend.Close() }()
	haproxy := func(dir, _, backend string, maxconn int) (*exec.Cmd, string, error) {
		return startHAProxy(dir, backend, maxconn)
	}
	var out []idleFigures
	for _, p := range []struct {
		name  string
		start startFunc
	}{{"haproxy", haproxy}, {"router", startRouter}} {
		f, err := holdIdle(dir, orca, p.name, backend.Addr().String(), n, p.start)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// startFunc starts a proxy in front of backend and returns it and its address.
type startFunc func(dir, orca, backend string, maxconn int) (*exec.Cmd, string, error)

func holdIdle(dir, orca, name, backend string, n int, start startFunc) (idleFigures, error) {
	cmd, addr, err := start(dir, orca, backend, n+100)
	if err != nil {
		return idleFigures{}, err
	}
	defer stopProcess(cmd)
	f := idleFigures{name: name, before: rss(cmd.Process.Pid)}
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return idleFigures{}, fmt.Errorf("open idle connection %d through %s: %w", len(conns)+1, name, err)
		}
		conns = append(conns, c)
	}
	time.Sleep(3 * time.Second) // let the connections settle (and the router's splice windows end)
	f.after, f.held = rss(cmd.Process.Pid), alive(conns)
	return f, nil
}

// alive counts the connections the proxy still holds open.
func alive(conns []net.Conn) int {
	n := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && os.IsTimeout(err) {
			n++
		}
	}
	return n
}

// rss is a process's resident set in KiB (VmRSS in /proc/<pid>/status).
func rss(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			return kb
		}
	}
	return 0
}
