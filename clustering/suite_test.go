package clustering_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/orca-operator/orca/clustering"
	"github.com/orca-operator/orca/controllers"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/testutil"
)

// The suite runs the real reconciler and the cluster loops against a real kube-apiserver; members are
// simulated MySQL 8.4 servers, each serving the X Protocol over TLS on its own loopback address, reached by
// the production mysqladmin.Factory through a loopback dialer that maps their stable names (the fast tier:
// no in-process double between the loop and the server). The monitor follows their GR notices, as in
// production, so a loop runs at once when its group changes. Waits for "nothing happens" count loop passes.
var (
	k8s client.Client
	// members maps every simulated member's stable name to its loopback address.
	members = memberdial.NewLoopback()
	passes  = newPassCounter()
	// statusSessions are the loops' kept status sessions.
	statusSessions = &clustering.Sessions{}
)

func TestMain(m *testing.M) { os.Exit(runSuite(m)) }

func runSuite(m *testing.M) int {
	cfg, stop, err := envtestutil.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		return 1
	}
	defer stop()
	scheme, err := operator.NewScheme()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	loops := &clustering.Manager{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Executor: clustering.SQLExecutor{Connector: mysqladmin.Factory{Dialer: members},
			Sessions: statusSessions}, // as orca operator does
		Interval: 300 * time.Millisecond, StatusTimeout: time.Second, Log: ctrl.Log.WithName("clustering"),
		Sink: sink, OnPass: passes.done}
	loops.Monitor = &clustering.Monitor{Dialer: members, Wake: loops.Poke}
	if err := mgr.Add(loops); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	r := &controllers.InnoDBClusterReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Scheme: scheme, OrcaImage: "orca:test", Loops: loops}
	if err := r.SetupWithManager(mgr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = mgr.Start(ctx) }()
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func eventually(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	testutil.Eventually(t, timeout, fn)
}
