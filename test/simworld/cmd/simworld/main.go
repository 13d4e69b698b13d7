// Command simworld plays kubelet and mysqld for the MySQL pods of a kwok-simulated cluster (the playground):
// every Running member pod of an InnoDBCluster gets a simulated MySQL 8.4 member on its own loopback address,
// published in a JSON member map that `orca operator --dev-member-map` dials through. It serves a control API
// for failure injection and runs until SIGINT or SIGTERM.
//
//	simworld --kubeconfig ~/.kube/config --start-mariadb /tmp/simworld-data --member-map /tmp/members.json
//
// Defaults come from the playground's environment: KUBECONFIG, and ORCA_PLAYGROUND_DIR/members.json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/test/peers"
	"github.com/orca-operator/orca/test/simworld"
)

type settings struct {
	kubeconfig, dataDSN, startMariaDB, base, memberMap, control string
	second, restartDelay                                        time.Duration
	verbose                                                     bool
}

func main() {
	s := settings{}
	flag.StringVar(&s.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the simulated cluster")
	flag.StringVar(&s.dataDSN, "data-dsn", "", "go-sql-driver DSN of the MariaDB that holds the groups' data")
	flag.StringVar(&s.startMariaDB, "start-mariadb", "",
		"start a MariaDB in this folder for the groups' data (instead of --data-dsn); stopped on exit")
	flag.StringVar(&s.base, "base-address", simworld.DefaultBaseAddress,
		"loopback address of the first member; the next ones count up")
	flag.StringVar(&s.memberMap, "member-map", defaultMemberMap(),
		"JSON file the member addresses are published in (orca operator --dev-member-map); empty: none")
	flag.StringVar(&s.control, "control", "127.0.0.1:8090", "loopback address of the HTTP control API; empty: none")
	flag.DurationVar(&s.second, "second", time.Second, "length of one simulated second (MySQL timeouts scale with it)")
	flag.DurationVar(&s.restartDelay, "container-restart-delay", 10*time.Second,
		"restart a member whose mysqld exited while its pod runs after this long, as the kubelet does; 0: never")
	flag.BoolVar(&s.verbose, "v", false, "log every step")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, s, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "simworld:", err)
		os.Exit(1)
	}
}

func defaultMemberMap() string {
	if dir := os.Getenv("ORCA_PLAYGROUND_DIR"); dir != "" {
		return filepath.Join(dir, "members.json")
	}
	return ""
}

// run starts the world and serves until ctx ends. It reports what it started on out.
func run(ctx context.Context, s settings, out io.Writer) error {
	if s.kubeconfig == "" {
		return errors.New("--kubeconfig (or KUBECONFIG) is required")
	}
	if s.dataDSN != "" && s.startMariaDB != "" {
		return errors.New("--data-dsn and --start-mariadb exclude each other")
	}
	cfg, err := controlplane.LoadKubeconfig(s.kubeconfig)
	if err != nil {
		return err
	}
	if s.startMariaDB != "" {
		maria, err := startMariaDB(s.startMariaDB, out)
		if err != nil {
			return err
		}
		defer maria.Stop()
		s.dataDSN = maria.DSN("")
	}
	w, err := simworld.Start(ctx, simworld.Options{Config: cfg, DataDSN: s.dataDSN, BaseAddress: s.base,
		MapFile: s.memberMap, Sim: mysqlsim.Config{Second: s.second}, ContainerRestartDelay: s.restartDelay,
		Logger: logger(s.verbose)})
	if err != nil {
		return err
	}
	defer w.Stop()
	fmt.Fprintf(out, "simworld: following MySQL pods; members from %s; member map %q\n", s.base, s.memberMap)
	if s.control == "" {
		<-ctx.Done()
		return nil
	}
	return serveControl(ctx, s.control, w, out)
}

func startMariaDB(dir string, out io.Writer) (*peers.MariaDB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("make MariaDB folder: %w", err)
	}
	maria, err := peers.StartMariaDBIn(dir)
	if err != nil {
		return nil, fmt.Errorf("start MariaDB (run `make test-deps`): %w", err)
	}
	fmt.Fprintf(out, "simworld: MariaDB for the groups' data on %s\n", maria.Addr)
	return maria, nil
}

// serveControl serves the world's control API until ctx ends. Only loopback addresses are accepted.
func serveControl(ctx context.Context, addr string, w *simworld.World, out io.Writer) error {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--control %q must be a loopback host:port", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for the control API: %w", err)
	}
	srv := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(out, "simworld: control API on http://%s/clusters\n", l.Addr())
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// logger logs Info and errors, and with verbose every step (V(1)).
func logger(verbose bool) logr.Logger {
	level := zapcore.InfoLevel
	if verbose {
		level = zapcore.DebugLevel
	}
	return zap.New(zap.UseDevMode(verbose), zap.Level(level)).WithName("simworld")
}
