package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/memberdial"
)

func newOperatorCommand() *cobra.Command {
	var o operator.Options
	var memberMap string
	zo := zap.Options{}
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Run the InnoDBCluster controllers (uses KUBECONFIG or the in-cluster config)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zo)))
			cfg, err := ctrl.GetConfig()
			if err != nil {
				return fmt.Errorf("load kubeconfig: %w", err)
			}
			if memberMap != "" {
				o.Dialer = memberdial.NewLoopbackFile(memberMap)
			}
			devHosts(&o)
			mgr, err := operator.New(cfg, o)
			if err != nil {
				return err
			}
			ctrl.Log.Info("starting operator", "orcaImage", o.OrcaImage, "clusterZone", o.ClusterZone,
				"gracefulShutdownTimeout", o.GracefulShutdownTimeout, "dnsZone", o.DNSZone, "dnsBindAddress", o.DNSAddr)
			// SIGTERM or SIGINT cancels the manager: the controllers and cluster loops get the graceful
			// shutdown timeout to finish, then the leader lease is released. A second signal exits at once.
			return mgr.Start(ctrl.SetupSignalHandler())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.MetricsAddr, "metrics-bind-address", ":8080", "address of the metrics endpoint; 0 disables it")
	f.StringVar(&o.ProbeAddr, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	f.StringVar(&o.HooksAddr, "hooks-bind-address", ":8082",
		"address of the MigrationHook receiver, POST /hooks/<namespace>/<hook>, served on every replica; 0 disables it")
	f.Var(externalURL{&o.HooksExternalURL}, "hooks-external-url", "the receiver's base URL as git hosts reach it "+
		"(https://hooks.example.com): MigrationHooks' status.receiverURL is it followed by /hooks/<namespace>/<hook>; "+
		"default none: the path alone")
	f.StringVar(&o.PprofAddr, "pprof-bind-address", "0",
		"address of Go's profiles, /debug/pprof/ (debugging the operator's own cost); 0 disables it")
	f.BoolVar(&o.LeaderElect, "leader-elect", false, "elect a leader so only one replica reconciles")
	f.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "namespace of the leader lease")
	f.StringVar(&o.OrcaImage, "orca-image", "ghcr.io/orca-operator/orca:latest",
		"image that runs `orca init` in member pods")
	f.StringVar(&o.ClusterZone, "cluster-zone", "cluster.local", "the cluster's DNS zone, for members' report_host")
	f.DurationVar(&o.GracefulShutdownTimeout, "graceful-shutdown-timeout", operator.DefaultGracefulShutdownTimeout,
		"on SIGTERM, how long controllers and cluster loops get to finish before the operator exits; "+
			"keep it below the pod's terminationGracePeriodSeconds")
	f.StringVar(&o.DNSZone, "dns-zone", dnssrv.DefaultZone,
		"zone of the role-aware DNS SRV records: <cluster>.<namespace>.<zone>")
	f.StringVar(&o.DNSAddr, "dns-bind-address", ":5353", "address (UDP and TCP) every replica answers the zone on; "+
		"0 disables it")
	f.DurationVar(&o.DNSRoleTTL, "dns-role-ttl", dnssrv.DefaultRoleTTL, "TTL of the SRV records")
	f.StringVar(&o.DNSPublishServer, "dns-publish-server", "",
		"host:port of a DNS primary the leader keeps the zone's records on with RFC 2136 updates (TSIG)")
	f.Var(namespacedName{&o.DNSPublishKeySecret}, "dns-publish-tsig-secret",
		"namespace/name of the Secret holding the TSIG key (keys keyName and secret, hmac-sha256)")
	f.Var(namespacedName{&o.DNSTransferKeySecret}, "dns-transfer-tsig-secret",
		"namespace/name of a TSIG key Secret (keyName, secret) allowed AXFR/IXFR of the zone; default none: refused")
	f.StringVar(&memberMap, "dev-member-map", os.Getenv(envDevMemberMap),
		"development only: dial members through loopback addresses from this JSON file (playground)")
	_ = f.MarkHidden("dev-member-map")
	gofs := flag.NewFlagSet("zap", flag.ContinueOnError)
	zo.BindFlags(gofs)
	f.AddGoFlagSet(gofs)
	return cmd
}

// devHosts puts every listener on ORCA_DEV_BIND_ADDRESS's host when the pod runner sets it: the runner's pods
// share one machine, each on its own loopback address, while the chart's args say ":8080".
func devHosts(o *operator.Options) {
	for _, addr := range []*string{&o.MetricsAddr, &o.ProbeAddr, &o.HooksAddr, &o.DNSAddr, &o.PprofAddr} {
		if *addr != "" && *addr != "0" {
			*addr = devHost(*addr)
		}
	}
}

// namespacedName is a namespace/name flag.
type namespacedName struct{ v *types.NamespacedName }

func (n namespacedName) String() string {
	if n.v == nil || n.v.Name == "" {
		return ""
	}
	return n.v.String()
}

func (n namespacedName) Set(s string) error {
	ns, name, ok := strings.Cut(s, "/")
	if !ok || ns == "" || name == "" {
		return fmt.Errorf("want namespace/name, got %q", s)
	}
	*n.v = types.NamespacedName{Namespace: ns, Name: name}
	return nil
}

func (n namespacedName) Type() string { return "namespace/name" }
