package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/test/controlplane"
)

// orcaImage is the operator's --orca-image in the playground. kwok leaves the pods that run it (the routers) to
// the pod runner, which runs them as processes of bin/orca.
const orcaImage = "orca:dev"

// routerPorts are the router ports the playground forwards from 127.0.0.1, as the ClusterIP of <cluster> has them.
var routerPorts = []int32{specs.PortRouterRW, specs.PortRouterRO, specs.PortRouterXRW, specs.PortRouterXRO}

// podsAddon runs bin/podrunner: every pod of orcaImage (the samples' routers) runs as a local process of bin/orca
// on its own loopback address, dialling members through simworld's members.json, and the router ports of the
// first sample with a router are forwarded from 127.0.0.1 to its ready router pods (test/serviceproxy).
type podsAddon struct{}

func (podsAddon) Name() string { return "pods" }

func (podsAddon) Up(ctx context.Context, env *Env) error {
	orca := filepath.Join(env.WorkDir, "bin", "orca")
	if _, err := os.Stat(orca); err != nil {
		return fmt.Errorf("%s missing: run `make playground` (it builds it): %w", orca, err)
	}
	bin := filepath.Join(env.WorkDir, "bin", "podrunner")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./test/podrunner/cmd/podrunner")
	build.Dir = env.WorkDir
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %w\n%s", bin, err, out)
	}
	dir, err := env.Dir("pods")
	if err != nil {
		return err
	}
	samples, err := loadSamples(env.WorkDir)
	if err != nil {
		return err
	}
	args := podrunnerArgs(orca, env.StateDir, dir, samples)
	p, err := env.Start(controlplane.ProcessSpec{Name: "podrunner", Path: bin, Args: args})
	if err != nil {
		return err
	}
	select {
	case <-p.Done():
		return fmt.Errorf("podrunner exited at once: %w\n--- %s ---\n%s", p.ExitErr(), p.LogPath(), p.LogTail(20))
	case <-ctx.Done():
		return fmt.Errorf("start podrunner: %w", ctx.Err())
	case <-time.After(2 * time.Second):
	}
	env.Note("pods of %s (routers, migration Pods) run as bin/orca processes: log %s; their own logs under %s; "+
		"addresses in %s",
		orcaImage, p.LogPath(), filepath.Join(dir, "logs"), filepath.Join(env.StateDir, "pods.json"))
	return nil
}

// podrunnerArgs runs the pods of orcaImage with bin/orca and forwards the router ports of the first sample with
// a router (two would want the same ports).
func podrunnerArgs(orca, stateDir, podsDir string, samples []*v1.InnoDBCluster) []string {
	args := []string{"--image", orcaImage + "=" + orca, "--member-map", filepath.Join(stateDir, "members.json"),
		"--dir", podsDir, "--address-map", filepath.Join(stateDir, "pods.json"),
		"--service-map", filepath.Join(stateDir, "services.json")}
	// The samples' backups are verified: their restore-verify Job's scratch sidecar (the cluster's MySQL image)
	// runs a real MariaDB of its own.
	seen := map[string]bool{}
	for _, c := range samples {
		if img := c.MySQLImage(); !seen[img] {
			seen[img] = true
			args = append(args, "--scratch-mysql-image", img)
		}
	}
	if c := firstRouted(samples); c != nil {
		ports := make([]string, 0, len(routerPorts))
		for _, p := range routerPorts {
			ports = append(ports, strconv.Itoa(int(p)))
		}
		args = append(args, "--proxy", fmt.Sprintf("%s/%s:%s", c.Namespace, specs.ClientServiceName(c),
			strings.Join(ports, ",")),
			// The migration Pod reaches the cluster's MySQL port (the routers' read-write one) by its Service name.
			"--proxy-any-port", fmt.Sprintf("%s/%s:%d", c.Namespace, specs.ClientServiceName(c), specs.PortMySQL))
	}
	return args
}

func firstRouted(samples []*v1.InnoDBCluster) *v1.InnoDBCluster {
	for _, c := range samples {
		if c.RouterEnabled() {
			return c
		}
	}
	return nil
}

// routerAddon waits, after the samples are created, until the router of the first sample with one answers on
// 127.0.0.1 (its read-write and read-only ports hand out a MySQL server greeting: the group is up and a router
// is Ready), then prints the mariadb commands that reach the primary and a secondary through it. A router that
// is not up in time is reported, not fatal: the group may just be slow to bootstrap.
type routerAddon struct {
	// timeout bounds the wait. Default 3 minutes.
	timeout time.Duration
}

func (routerAddon) Name() string { return "router" }

func (a routerAddon) Up(ctx context.Context, env *Env) error {
	samples, err := loadSamples(env.WorkDir)
	if err != nil {
		return err
	}
	c := firstRouted(samples)
	if c == nil {
		return nil
	}
	if a.timeout <= 0 {
		a.timeout = 3 * time.Minute
	}
	rw := net.JoinHostPort("127.0.0.1", strconv.Itoa(specs.PortRouterRW))
	ro := net.JoinHostPort("127.0.0.1", strconv.Itoa(specs.PortRouterRO))
	wctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	err = waitGreeting(wctx, rw)
	if err == nil {
		err = waitGreeting(wctx, ro)
	}
	for _, line := range routerNotes(c, err) {
		env.Note("%s", line)
	}
	return nil
}

// routerNotes are the lines `up` prints about the router: the commands, or why it is not answering yet.
func routerNotes(c *v1.InnoDBCluster, waitErr error) []string {
	password := fmt.Sprintf(`"$(kubectl get secret %s -n %s -o jsonpath='{.data.%s}' | base64 -d)"`,
		specs.CredentialsSecretName(c), c.Namespace, specs.KeyRootPassword)
	lines := []string{fmt.Sprintf("router of %s/%s: %d pods running `orca router`, ports %d-%d on 127.0.0.1 "+
		"(forwarded like the ClusterIP of Service %s):", c.Namespace, c.Name, c.RouterInstances(),
		specs.PortRouterRW, specs.PortRouterXRO, specs.ClientServiceName(c))}
	if waitErr != nil {
		lines = append(lines, fmt.Sprintf("  not answering yet (%v): the group may still be bootstrapping; "+
			"kubectl get ic,deploy,pods -w, then:", waitErr))
	}
	return append(lines,
		fmt.Sprintf("  primary (read-write):   mariadb -h 127.0.0.1 -P %d -u root -p%s", specs.PortRouterRW, password),
		fmt.Sprintf("  a secondary (read-only): mariadb -h 127.0.0.1 -P %d -u root -p%s", specs.PortRouterRO, password),
		"  e.g. add -e 'SELECT @@report_host' to see which member answered")
}

// waitGreeting dials addr until a MySQL server greeting (protocol version 10) comes back: the router is Ready
// (the proxy listens) and routed the connection to a member. A refusal or the router's error packet (no primary
// yet) means try again.
func waitGreeting(ctx context.Context, addr string) error {
	var last error
	for {
		if last = greeting(ctx, addr); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", addr, last)
		case <-time.After(time.Second):
		}
	}
}

// greeting reads the first packet a MySQL server sends and checks it is a handshake.
func greeting(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: 5 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	header := make([]byte, 5) // 3 bytes of length, the sequence id, the first payload byte
	if _, err := io.ReadFull(conn, header); err != nil {
		return fmt.Errorf("read the greeting: %w", err)
	}
	switch header[4] {
	case 10:
		return nil
	case 0xff:
		return errors.New("the router refused the connection (no member to route to yet)")
	}
	return fmt.Errorf("not a MySQL greeting (first byte %#x)", header[4])
}
