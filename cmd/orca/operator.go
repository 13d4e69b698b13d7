package main

import (
	"flag"
	"fmt"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/controllers"
)

type operatorOptions struct {
	metricsAddr string
	probeAddr   string
	leaderElect bool
	orcaImage   string
	clusterZone string
	zap         zap.Options
}

func newOperatorCommand() *cobra.Command {
	o := operatorOptions{zap: zap.Options{Development: false}}
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Run the InnoDBCluster controllers (uses KUBECONFIG or the in-cluster config)",
		RunE:  func(cmd *cobra.Command, _ []string) error { return runOperator(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "address of the metrics endpoint; 0 disables it")
	f.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	f.BoolVar(&o.leaderElect, "leader-elect", false, "elect a leader so only one replica reconciles")
	f.StringVar(&o.orcaImage, "orca-image", "ghcr.io/orca-operator/orca:latest",
		"image that runs `orca init` in member pods")
	f.StringVar(&o.clusterZone, "cluster-zone", "cluster.local", "the cluster's DNS zone, for members' report_host")
	gofs := flag.NewFlagSet("zap", flag.ContinueOnError)
	o.zap.BindFlags(gofs)
	f.AddGoFlagSet(gofs)
	return cmd
}

// Scheme holds every kind the operator reads or writes.
func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add client-go kinds: %w", err)
	}
	if err := v1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("add orca kinds: %w", err)
	}
	return s, nil
}

func runOperator(cmd *cobra.Command, o operatorOptions) error {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	scheme, err := newScheme()
	if err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress: o.probeAddr,
		LeaderElection:         o.leaderElect,
		LeaderElectionID:       "orca.mysql.orca.dev",
		Cache:                  cacheOptions(),
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	if err := setupControllers(mgr, o); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("add health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("add ready check: %w", err)
	}
	ctrl.Log.Info("starting operator", "orcaImage", o.orcaImage, "clusterZone", o.clusterZone)
	return mgr.Start(cmd.Context())
}

// cacheOptions caches only the Secrets Orca made, so the operator never holds every Secret of the cluster in
// memory; user-provided Secrets are read directly.
func cacheOptions() cache.Options {
	managed := labels.SelectorFromSet(labels.Set{v1.LabelManagedBy: v1.ManagedByOrca})
	return cache.Options{ByObject: map[client.Object]cache.ByObject{&corev1.Secret{}: {Label: managed}}}
}

func setupControllers(mgr ctrl.Manager, o operatorOptions) error {
	r := &controllers.InnoDBClusterReconciler{
		Client:      mgr.GetClient(),
		APIReader:   mgr.GetAPIReader(),
		Scheme:      mgr.GetScheme(),
		Recorder:    mgr.GetEventRecorder("orca"),
		OrcaImage:   o.orcaImage,
		ClusterZone: o.clusterZone,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up innodbcluster controller: %w", err)
	}
	return nil
}
