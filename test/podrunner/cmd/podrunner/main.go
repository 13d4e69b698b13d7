// Command podrunner plays the kubelet for the pods of a kwok-simulated cluster that run Orca's image (the
// playground): each of their containers runs as a local process of the given binary (test/podrunner), and chosen
// Services are forwarded from loopback to their ready pods (test/serviceproxy), as kube-proxy would. It runs until
// SIGINT or SIGTERM, then stops every process it started.
//
//	podrunner --image orca:dev=bin/orca --proxy default/mycluster:6446,6447,6448,6449 \
//	          --scratch-mysql-image mysql/mysql-server:8.4   (restore-verify Jobs' scratch sidecars on MariaDB)
//
// Defaults come from the playground's environment: KUBECONFIG, and ORCA_PLAYGROUND_DIR for the member map
// (members.json, written by simworld), the pods' folder (pods/), the pod address map (pods.json) and the Service
// map (services.json: the ports forwarded, by <service>.<namespace>.svc:<port>, which the processes dial).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/podrunner"
	"github.com/orca-operator/orca/test/serviceproxy"
)

type settings struct {
	kubeconfig, memberMap, base, dir, addressMap, proxyHost string
	serviceMap                                              string
	images, scratchImages                                   listFlag
	proxies, anyPortProxies                                 listFlag
	restartDelay, probePeriod                               time.Duration
	verbose                                                 bool
}

// listFlag is a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	s := settings{}
	play := os.Getenv("ORCA_PLAYGROUND_DIR")
	inPlay := func(name string) string {
		if play == "" {
			return ""
		}
		return filepath.Join(play, name)
	}
	flag.StringVar(&s.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the simulated cluster")
	flag.Var(&s.images, "image", "IMAGE=BINARY: run the containers of IMAGE with BINARY (repeatable, at least one)")
	flag.Var(&s.scratchImages, "scratch-mysql-image", "IMAGE: play the MySQL image IMAGE in init containers "+
		"(the restore-verify Job's scratch sidecar) with a real MariaDB of the pod's own (repeatable)")
	flag.StringVar(&s.memberMap, "member-map", inPlay("members.json"),
		"JSON member map the processes dial members through (ORCA_DEV_MEMBER_MAP); empty: none")
	flag.StringVar(&s.base, "base-address", podrunner.DefaultBaseAddress,
		"loopback address of the first pod; the next ones count up")
	flag.StringVar(&s.dir, "dir", inPlay("pods"), "folder of the pods' volumes and logs; empty: a temporary one")
	flag.StringVar(&s.addressMap, "address-map", inPlay("pods.json"),
		"JSON file the pods' loopback addresses are published in; empty: none")
	flag.Var(&s.proxies, "proxy", "NAMESPACE/SERVICE[:PORT,...]: forward the Service's ports (all, or those "+
		"listed) from --proxy-host:<port> to its ready pods (repeatable)")
	flag.Var(&s.anyPortProxies, "proxy-any-port", "NAMESPACE/SERVICE:PORT,...: forward those Service ports from "+
		"free ports of --proxy-host, for the pods' processes through --service-map (repeatable)")
	flag.StringVar(&s.serviceMap, "service-map", inPlay("services.json"),
		"JSON file the forwarded Service ports are published in, given to the processes (ORCA_DEV_SERVICE_MAP)")
	flag.StringVar(&s.proxyHost, "proxy-host", "127.0.0.1", "loopback address the forwarded Service ports listen on")
	flag.DurationVar(&s.restartDelay, "restart-delay", 2*time.Second,
		"how long the kubelet waits before restarting a container that exited")
	flag.DurationVar(&s.probePeriod, "probe-period", 0, "replaces every probe's period when set")
	flag.BoolVar(&s.verbose, "v", false, "log every step")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, s, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "podrunner:", err)
		os.Exit(1)
	}
}

// run starts the runner and the proxy and serves until ctx ends. It reports what it started on out.
func run(ctx context.Context, s settings, out io.Writer) error {
	if s.kubeconfig == "" {
		return errors.New("--kubeconfig (or KUBECONFIG) is required")
	}
	images, err := parseImages(s.images)
	if err != nil {
		return err
	}
	if err := addScratchImages(images, s.scratchImages, s.dir); err != nil {
		return err
	}
	rules, err := parseProxies(s.proxies, s.proxyHost)
	if err != nil {
		return err
	}
	anyPort, err := parseProxies(s.anyPortProxies, s.proxyHost)
	if err != nil {
		return err
	}
	for _, r := range anyPort {
		r.AnyPort = true
		rules = append(rules, r)
	}
	cfg, err := controlplane.LoadKubeconfig(s.kubeconfig)
	if err != nil {
		return err
	}
	if s.dir != "" {
		if err := os.MkdirAll(s.dir, 0o755); err != nil {
			return fmt.Errorf("make pods folder: %w", err)
		}
	}
	log := logger(s.verbose)
	r, err := podrunner.Start(ctx, podrunner.Options{Config: cfg, Images: images, MemberMap: s.memberMap,
		BaseAddress: s.base, Dir: s.dir, AddressFile: s.addressMap, ServiceMap: s.serviceMap,
		RestartDelay: s.restartDelay,
		ProbePeriod:  s.probePeriod, Logger: log.WithName("runner")})
	if err != nil {
		return err
	}
	defer r.Stop()
	fmt.Fprintf(out, "podrunner: running the pods of %s as processes; pods from %s; addresses in %q\n",
		strings.Join(s.images, ", "), s.base, s.addressMap)
	if len(rules) > 0 {
		p, err := serviceproxy.Start(ctx, serviceproxy.Options{Config: cfg, Resolver: r, Rules: rules,
			MapFile: s.serviceMap, Logger: log.WithName("proxy")})
		if err != nil {
			return err
		}
		defer p.Stop()
		fmt.Fprintf(out, "podrunner: forwarding %s on %s while they have ready endpoints\n",
			strings.Join(append(s.proxies, s.anyPortProxies...), ", "), s.proxyHost)
	}
	<-ctx.Done()
	return nil
}

func parseImages(specs []string) (map[string]podrunner.Image, error) {
	if len(specs) == 0 {
		return nil, errors.New("--image IMAGE=BINARY is required")
	}
	out := map[string]podrunner.Image{}
	for _, spec := range specs {
		name, bin, ok := strings.Cut(spec, "=")
		if !ok || name == "" || bin == "" {
			return nil, fmt.Errorf("--image %q: want IMAGE=BINARY", spec)
		}
		abs, err := filepath.Abs(bin)
		if err != nil {
			return nil, fmt.Errorf("--image %q: %w", spec, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("--image %q: %w", spec, err)
		}
		out[name] = podrunner.Image{Binary: abs}
	}
	return out, nil
}

// addScratchImages plays each MySQL image in init containers only, with peers' MariaDB player written into dir
// (the pods' folder, or a temporary one).
func addScratchImages(images map[string]podrunner.Image, names []string, dir string) error {
	if len(names) == 0 {
		return nil
	}
	if dir == "" {
		dir = os.TempDir()
	}
	script, err := peers.WriteScratchMySQL(dir)
	if err != nil {
		return fmt.Errorf("--scratch-mysql-image: %w", err)
	}
	for _, name := range names {
		images[name] = podrunner.Image{Binary: script, Entrypoint: peers.ScratchMySQLEntrypoint,
			Programs: peers.ScratchMySQLPrograms, InitOnly: true}
	}
	return nil
}

func parseProxies(specs []string, host string) ([]serviceproxy.Rule, error) {
	rules := make([]serviceproxy.Rule, 0, len(specs))
	for _, spec := range specs {
		svc, ports, _ := strings.Cut(spec, ":")
		ns, name, ok := strings.Cut(svc, "/")
		if !ok || ns == "" || name == "" {
			return nil, fmt.Errorf("--proxy %q: want NAMESPACE/SERVICE[:PORT,...]", spec)
		}
		r := serviceproxy.Rule{Namespace: ns, Service: name, Host: host}
		for _, p := range strings.FieldsFunc(ports, func(c rune) bool { return c == ',' }) {
			n, err := strconv.ParseInt(p, 10, 32)
			if err != nil || n <= 0 || n > 65535 {
				return nil, fmt.Errorf("--proxy %q: bad port %q", spec, p)
			}
			r.Ports = append(r.Ports, int32(n))
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// logger logs Info and errors, and with verbose every step (V(1)).
func logger(verbose bool) logr.Logger {
	level := zapcore.InfoLevel
	if verbose {
		level = zapcore.DebugLevel
	}
	return zap.New(zap.UseDevMode(verbose), zap.Level(level)).WithName("podrunner")
}
