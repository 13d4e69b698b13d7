package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/router"
)

// Environment of `orca router`: the monitoring account, and two development defaults the pod runner injects.
const (
	envRouterUser     = "ORCA_ROUTER_USER"
	envRouterPassword = "ORCA_ROUTER_PASSWORD"
	envDevMemberMap   = "ORCA_DEV_MEMBER_MAP"
	envDevBindAddress = "ORCA_DEV_BIND_ADDRESS"
)

// routerFlags are `orca router`'s flags.
type routerFlags struct {
	members, staticBackends      []string
	cluster, namespace           string
	ports                        [4]int // by router.Route
	memberXPort, maxConnections  int
	bindAddress, httpBindAddress string
	pollInterval, connectTimeout time.Duration
	idleTimeout, drainTimeout    time.Duration
	roOnQuorumLoss               bool
	tls                          tlsFlags
	devMemberMap                 string
	zap                          zap.Options
}

func newRouterCommand() *cobra.Command {
	var rf routerFlags
	cmd := &cobra.Command{
		Use:   "router",
		Short: "Route MySQL connections to an InnoDB Cluster: RW to the primary, RO to the secondaries",
		Long: "Listens on MySQL Router's ports (6446 classic RW, 6447 classic RO, 6448 X RW, 6449 X RO), follows " +
			"the group from its members (Group Replication notices over the X Protocol, a SQL poll besides) and " +
			"moves bytes between clients and members without parsing them. The monitoring account comes from " +
			envRouterUser + " and " + envRouterPassword + ". SIGTERM drains the established connections.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := zap.New(zap.UseFlagOptions(&rf.zap)).WithName("router")
			return runRouter(cmd.Context(), rf, log)
		},
	}
	rf.bind(cmd.Flags())
	return cmd
}

func (rf *routerFlags) bind(f *pflag.FlagSet) {
	bind := envOr(envDevBindAddress, "0.0.0.0")
	f.StringSliceVar(&rf.members, "members", nil,
		"bootstrap members' classic addresses (host:port,...); the router learns the rest from the group")
	f.StringVar(&rf.cluster, "cluster", "", "the InnoDBCluster's name, for logs and metrics")
	f.StringVar(&rf.namespace, "namespace", "", "the InnoDBCluster's namespace, for logs and metrics")
	for _, r := range router.Routes {
		f.IntVar(&rf.ports[r], portFlag(r), r.DefaultPort(), "port of the "+r.String()+" route")
	}
	f.IntVar(&rf.memberXPort, "member-x-port", 33060, "members' X Protocol port (mysqlx_port)")
	f.StringVar(&rf.bindAddress, "bind-address", bind, "address the four listeners bind")
	f.StringVar(&rf.httpBindAddress, "http-bind-address", devHTTPDefault(),
		"address of /metrics (Prometheus), /healthz and /livez")
	f.DurationVar(&rf.pollInterval, "poll-interval", time.Second, "SQL poll of each member, besides GR notices")
	f.IntVar(&rf.maxConnections, "max-connections", 5000, "client connections of all routes together")
	f.DurationVar(&rf.connectTimeout, "connect-timeout", 5*time.Second, "connect timeout to a backend")
	f.DurationVar(&rf.idleTimeout, "idle-timeout", 0, "close connections idle that long both ways (0: off)")
	f.DurationVar(&rf.drainTimeout, "drain-timeout", 30*time.Second,
		"on SIGTERM, how long established connections may finish before they are closed")
	f.BoolVar(&rf.roOnQuorumLoss, "ro-on-quorum-loss", true,
		"keep serving RO from ONLINE members while the group has lost quorum (reads may be stale)")
	rf.tls.bind(f)
	f.StringVar(&rf.devMemberMap, "dev-member-map", os.Getenv(envDevMemberMap),
		"development only: dial members through loopback addresses from this JSON file")
	f.StringSliceVar(&rf.staticBackends, "static-backend", nil,
		"benchmark aid: route to these host:port backends (RW the first, RO all) instead of following a group")
	for _, hidden := range []string{"dev-member-map", "static-backend"} {
		_ = f.MarkHidden(hidden)
	}
	gofs := flag.NewFlagSet("zap", flag.ContinueOnError)
	rf.zap.BindFlags(gofs)
	f.AddGoFlagSet(gofs)
}

// portFlag is --rw-port, --ro-port, --x-rw-port or --x-ro-port.
func portFlag(r router.Route) string {
	return map[router.Route]string{router.ClassicRW: "rw-port", router.ClassicRO: "ro-port",
		router.XRW: "x-rw-port", router.XRO: "x-ro-port"}[r]
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// devHTTPDefault is :8080, on ORCA_DEV_BIND_ADDRESS's host when the pod runner sets it.
func devHTTPDefault() string {
	return net.JoinHostPort(os.Getenv(envDevBindAddress), "8080")
}

// devHost puts addr on ORCA_DEV_BIND_ADDRESS's host when the pod runner sets it, even when a flag named a
// host: the runner's pods share one machine, each on its own loopback address, while a pod's args (as
// rendered for Kubernetes) say ":8080".
func devHost(addr string) string {
	host := os.Getenv(envDevBindAddress)
	_, port, err := net.SplitHostPort(addr)
	if host == "" || err != nil {
		return addr
	}
	return net.JoinHostPort(host, port)
}

// server builds the router from the flags and the environment.
func (rf *routerFlags) server(log logr.Logger) (*router.Server, error) {
	if len(rf.members) == 0 && len(rf.staticBackends) == 0 {
		return nil, errors.New("--members is required")
	}
	s := &router.Server{Members: rf.members, StaticBackends: rf.staticBackends, MemberXPort: rf.memberXPort,
		User: os.Getenv(envRouterUser), Password: os.Getenv(envRouterPassword), Dialer: memberdial.Direct(),
		Cluster: rf.cluster, Namespace: rf.namespace, PollInterval: rf.pollInterval,
		MaxConnections: rf.maxConnections, ConnectTimeout: rf.connectTimeout, IdleTimeout: rf.idleTimeout,
		StopROOnQuorumLoss: !rf.roOnQuorumLoss, Logger: log}
	if rf.devMemberMap != "" {
		s.Dialer = memberdial.NewLoopbackFile(rf.devMemberMap)
	}
	var err error
	if s.MonitorTLS, err = rf.tls.config(); err != nil {
		return nil, err
	}
	if s.User == "" && len(rf.staticBackends) == 0 {
		return nil, fmt.Errorf("%s is not set: the router needs its monitoring account", envRouterUser)
	}
	return s, nil
}

// listen opens the four routes' listeners and the HTTP one, or none.
func (rf *routerFlags) listen() (map[router.Route]net.Listener, net.Listener, error) {
	ls := map[router.Route]net.Listener{}
	closeAll := func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}
	for _, r := range router.Routes {
		l, err := net.Listen("tcp", devHost(net.JoinHostPort(rf.bindAddress, strconv.Itoa(rf.ports[r]))))
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("listen for %s: %w", r, err)
		}
		ls[r] = l
	}
	hl, err := net.Listen("tcp", devHost(rf.httpBindAddress))
	if err != nil {
		closeAll()
		return nil, nil, fmt.Errorf("listen for /metrics and /healthz: %w", err)
	}
	return ls, hl, nil
}

// runRouter serves until SIGTERM or SIGINT, then drains for --drain-timeout and returns nil.
func runRouter(ctx context.Context, rf routerFlags, log logr.Logger) error {
	s, err := rf.server(log)
	if err != nil {
		return err
	}
	ls, hl, err := rf.listen()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	failed := make(chan error, len(ls)+1)
	for r, l := range ls {
		go func() { failed <- s.Serve(l, r) }()
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { failed <- hs.Serve(hl) }()
	log.Info("router started", "cluster", rf.cluster, "namespace", rf.namespace, "members", rf.members,
		"bindAddress", rf.bindAddress, "ports", rf.ports, "http", hl.Addr().String())
	select {
	case <-ctx.Done():
		log.Info("signal received: draining", "drainTimeout", rf.drainTimeout)
	case err = <-failed:
		log.Error(err, "a listener failed: stopping")
	}
	dctx, cancel := context.WithTimeout(context.Background(), rf.drainTimeout)
	defer cancel()
	if serr := s.Shutdown(dctx); serr != nil {
		log.Info("drain timeout reached: remaining connections closed")
	}
	_ = hs.Shutdown(dctx)
	log.Info("router stopped")
	return err
}
