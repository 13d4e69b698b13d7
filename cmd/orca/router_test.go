package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/orca-operator/orca/internal/tlsca/tlscatest"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/test/admintest"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/testutil"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// routerProcess is `orca router` running as its own process on free loopback ports.
type routerProcess struct {
	cmd    *exec.Cmd
	logs   *strings.Builder
	exited chan error
	rw     string
	http   string
}

func startRouterProcess(t *testing.T, env []string, args ...string) *routerProcess {
	t.Helper()
	p := &routerProcess{logs: &strings.Builder{}, exited: make(chan error, 1)}
	ports := []string{"--rw-port", "--ro-port", "--x-rw-port", "--x-ro-port"}
	for i, flag := range ports {
		port := freePort(t)
		args = append(args, fmt.Sprintf("%s=%d", flag, port))
		if i == 0 {
			p.rw = fmt.Sprintf("127.0.0.1:%d", port)
		}
	}
	p.http = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	args = append(args, "--bind-address=127.0.0.1", "--http-bind-address="+p.http)
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(append(os.Environ(), env...), helperEnv+"="+strings.Join(append([]string{"router"}, args...),
		"\t"))
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	return p
}

func (p *routerProcess) waitHealthy(t *testing.T) {
	t.Helper()
	testutil.Eventually(t, 30*time.Second, func() error {
		resp, err := http.Get("http://" + p.http + "/healthz")
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/healthz %d", resp.StatusCode)
		}
		return nil
	})
}

func (p *routerProcess) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-p.exited:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("orca router did not exit:\n%s", p.logs)
		return nil
	}
}

// echoBackend greets, then echoes.
func echoBackend(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = c.Write([]byte("hi")); _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	return l.Addr().String()
}

// SIGTERM stops accepting, lets the established connection finish, and exits 0.
func TestRouterCommandDrainsOnSIGTERM(t *testing.T) {
	p := startRouterProcess(t, nil, "--static-backend="+echoBackend(t), "--drain-timeout=20s")
	p.waitHealthy(t)
	c, err := net.Dial("tcp", p.rw)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("through the router: %q %v", buf, err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() error {
		if nc, err := net.Dial("tcp", p.rw); err == nil {
			_ = nc.Close()
			return errors.New("still accepting")
		}
		return nil
	})
	if _, err := c.Write([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ok" {
		t.Fatalf("during the drain: %q %v", buf, err)
	}
	_ = c.Close()
	if err := p.wait(t); err != nil {
		t.Fatalf("exit after the drain: %v\n%s", err, p.logs)
	}
}

// A connection still open when the drain timeout ends is closed, and the router still exits 0.
func TestRouterCommandClosesWhatIsLeftAfterTheDrainTimeout(t *testing.T) {
	p := startRouterProcess(t, nil, "--static-backend="+echoBackend(t), "--drain-timeout=300ms")
	p.waitHealthy(t)
	c, err := net.Dial("tcp", p.rw)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	_, _ = io.ReadFull(c, make([]byte, 2))
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(t); err != nil {
		t.Fatalf("exit after the drain timeout: %v\n%s", err, p.logs)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || os.IsTimeout(err) {
		t.Fatalf("the connection outlived the router: %v", err)
	}
}

func TestRouterCommandNeedsItsAccount(t *testing.T) {
	p := startRouterProcess(t, []string{envRouterUser + "="}, "--members=db-0:3306")
	if err := p.wait(t); err == nil || !strings.Contains(p.logs.String(), envRouterUser) {
		t.Fatalf("started without a monitoring account: %v\n%s", err, p.logs)
	}
}

// The pod runner's environment sets the development defaults.
func TestRouterFlagsDefaultsFromTheEnvironment(t *testing.T) {
	t.Setenv(envDevBindAddress, "127.0.0.9")
	t.Setenv(envDevMemberMap, "/tmp/members.json")
	cmd := newRouterCommand()
	if err := cmd.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	get := func(name string) string { return cmd.Flags().Lookup(name).Value.String() }
	if get("bind-address") != "127.0.0.9" || get("http-bind-address") != "127.0.0.9:8080" ||
		get("dev-member-map") != "/tmp/members.json" || get("rw-port") != "6446" || get("x-ro-port") != "6449" ||
		get("ro-on-quorum-loss") != "true" || get("drain-timeout") != "30s" || get("max-connections") != "5000" {
		t.Fatalf("defaults: bind %s http %s map %s", get("bind-address"), get("http-bind-address"),
			get("dev-member-map"))
	}
}

// As the pod runner runs it: members named by their DNS names, reached through --dev-member-map's loopback
// map, the account from the environment; RW reaches the simulated primary and the password is never logged.
func TestRouterCommandFollowsASimulatedGroupThroughTheMemberMap(t *testing.T) {
	const host, password = "127.0.51.2", "r0uter-Secret"
	g, err := mysqlsim.NewGroup(mysqlsim.Config{Second: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	ca := tlscatest.New(t)
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, ca.Bundle(), 0o600); err != nil {
		t.Fatal(err)
	}
	// The router dials the bootstrap member by its DNS name, then the member as the group lists it (its IP here).
	m, err := g.AddMember(mysqlsim.MemberConfig{Name: "db-0", Host: host, Port: 3306, XPort: 33060,
		TLS: ca.Server("db-0.db-instances.ns.svc.cluster.local", host), RootPassword: "root-pw", Options: admintest.OptionsFromMyCnf("plugin_load_add=group_replication.so\n" +
			"gtid_mode=ON\nenforce_gtid_consistency=ON\ngroup_replication_group_name=" +
			"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa\ngroup_replication_local_address=" + host + ":33061\n" +
			"group_replication_start_on_boot=OFF\n")})
	if err != nil {
		t.Fatal(err)
	}
	fe := &mysqlsim.Frontends{Group: g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fe.Shutdown)
	s, err := m.RootSession()
	if err != nil {
		t.Fatal(err)
	}
	in := mysqladmin.New(admintest.Runner{M: m, S: s})
	ctx := context.Background()
	if err := in.BootstrapGroup(ctx, mysqladmin.Account{User: "root", Password: "root-pw"}); err != nil {
		t.Fatal(err)
	}
	if err := in.EnsureRouterUser(ctx, mysqladmin.Account{User: "orca_router", Password: password}); err != nil {
		t.Fatal(err)
	}
	mapFile := filepath.Join(t.TempDir(), "members.json")
	raw, _ := json.Marshal(map[string]string{"db-0.db-instances.ns.svc.cluster.local": host, host: host})
	if err := os.WriteFile(mapFile, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	p := startRouterProcess(t, []string{envRouterUser + "=orca_router", envRouterPassword + "=" + password,
		envDevMemberMap + "=" + mapFile}, "--members=db-0.db-instances.ns.svc.cluster.local:3306",
		"--cluster=db", "--namespace=ns", "--drain-timeout=2s", "--tls-ca-file="+caFile)
	p.waitHealthy(t)
	db, err := sql.Open("mysql", "root:root-pw@tcp("+p.rw+")/")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var uuid string
	if err := db.QueryRow("SELECT @@server_uuid").Scan(&uuid); err != nil || uuid != m.UUID() {
		t.Fatalf("RW reached %q (%v), want the primary %s; router logs:\n%s", uuid, err, m.UUID(), p.logs)
	}
	resp, err := http.Get("http://" + p.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(body), `orca_router_member_role{cluster="db",member="`+host+`:3306",`+
		`namespace="ns",role="primary"} 1`) {
		t.Fatalf("metrics:\n%s", body)
	}
	_ = db.Close()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(t); err != nil || strings.Contains(p.logs.String(), password) {
		t.Fatalf("exit %v; the logs must not hold the password:\n%s", err, p.logs)
	}
}

// The pod runner's address replaces the host of the rendered args (":8080", "0.0.0.0:6446").
func TestDevHostReplacesAnExplicitHost(t *testing.T) {
	t.Setenv(envDevBindAddress, "127.0.0.9")
	for in, want := range map[string]string{":8080": "127.0.0.9:8080", "0.0.0.0:6446": "127.0.0.9:6446",
		"not-an-address": "not-an-address"} {
		if got := devHost(in); got != want {
			t.Errorf("devHost(%q) = %q, want %q", in, got, want)
		}
	}
	t.Setenv(envDevBindAddress, "")
	if got := devHost(":8080"); got != ":8080" {
		t.Errorf("without the pod runner devHost(:8080) = %q", got)
	}
}
