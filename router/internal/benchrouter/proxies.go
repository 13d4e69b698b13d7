package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// target is one way to reach the MariaDB: directly, through HAProxy, through orca router.
type target struct {
	name string
	addr string
	pid  int // the proxy's process (0: none)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// haproxyConfig is HAProxy in tcp mode with one server and no health check, as a proxy of one backend needs.
func haproxyConfig(port int, backend string, maxconn int) string {
	return fmt.Sprintf(`global
    maxconn %d
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
listen mysql
    bind 127.0.0.1:%d
    server db %s
`, maxconn, port, backend)
}

// startHAProxy runs haproxy in the foreground on a free port in front of backend.
func startHAProxy(dir, backend string, maxconn int) (*exec.Cmd, string, error) {
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/haproxy"); serr != nil {
			return nil, "", errors.New("haproxy not found (run `make test-deps` or hack/peers.sh)")
		}
		bin = "/usr/sbin/haproxy"
	}
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	cfg := filepath.Join(dir, fmt.Sprintf("haproxy-%d.cfg", port))
	if err := os.WriteFile(cfg, []byte(haproxyConfig(port, backend, maxconn)), 0o600); err != nil {
		return nil, "", err
	}
	cmd := exec.Command(bin, "-f", cfg, "-db")
	return start(cmd, dir, "haproxy", port)
}

// startRouter runs orca router with one static backend on a free RW port.
func startRouter(dir, orca, backend string, maxconn int) (*exec.Cmd, string, error) {
	var ports [5]int
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return nil, "", err
		}
		ports[i] = p
	}
	cmd := exec.Command(orca, "router", "--static-backend="+backend, "--bind-address=127.0.0.1",
		"--rw-port="+strconv.Itoa(ports[0]), "--ro-port="+strconv.Itoa(ports[1]),
		"--x-rw-port="+strconv.Itoa(ports[2]), "--x-ro-port="+strconv.Itoa(ports[3]),
		"--http-bind-address=127.0.0.1:"+strconv.Itoa(ports[4]), "--max-connections="+strconv.Itoa(maxconn),
		"--drain-timeout=1s")
	return start(cmd, dir, "orca-router", ports[0])
}

func start(cmd *exec.Cmd, dir, name string, port int) (*exec.Cmd, string, error) {
	log, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.log", name, port)))
	if err != nil {
		return nil, "", err
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start %s: %w", name, err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return cmd, addr, nil
		}
		if time.Now().After(deadline) {
			stopProcess(cmd)
			raw, _ := os.ReadFile(log.Name())
			return nil, "", fmt.Errorf("%s not listening on %s: %s", name, addr, raw)
		}
	}
}

func stopProcess(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// startProxies starts HAProxy and orca router in front of the MariaDB; stop ends both.
func startProxies(dir, orca, maria string) ([]target, func(), error) {
	hp, hpAddr, err := startHAProxy(dir, maria, 2000)
	if err != nil {
		return nil, nil, err
	}
	rt, rtAddr, err := startRouter(dir, orca, maria, 2000)
	if err != nil {
		stopProcess(hp)
		return nil, nil, err
	}
	targets := []target{{name: "direct", addr: maria}, {name: "haproxy", addr: hpAddr, pid: hp.Process.Pid},
		{name: "router", addr: rtAddr, pid: rt.Process.Pid}}
	return targets, func() { stopProcess(hp); stopProcess(rt) }, nil
}
