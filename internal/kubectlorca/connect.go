package kubectlorca

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/dnssrv"
	"github.com/orca-operator/orca/internal/specs"
)

type connectFlags struct {
	zone         string
	showPassword bool
}

func newConnectCommand(o *Options) *cobra.Command {
	f := &connectFlags{}
	cmd := &cobra.Command{
		Use:   "connect CLUSTER",
		Short: "Print the cluster's connection strings and where its credentials are",
		Long: "connect prints the classic and X Protocol URLs of the cluster's Services, the router's ports when\n" +
			"routers are asked for, the DNS SRV names Orca serves and the credentials Secret's name and keys. The\n" +
			"password is printed only with --show-password.",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeClusters(o),
		RunE: o.withCluster(func(ctx context.Context, s *session, c *v1.InnoDBCluster) error {
			return runConnect(ctx, o, s, c, f)
		}),
	}
	cmd.Flags().StringVar(&f.zone, "zone", dnssrv.DefaultZone, "the DNS zone Orca's SRV server answers")
	cmd.Flags().BoolVar(&f.showPassword, "show-password", false, "read the credentials Secret and print the password")
	return cmd
}

// endpoint is one way to reach the cluster.
type endpoint struct {
	name, url, reaches string
}

// endpoints lists the connection strings of c for user, with the SRV names under zone.
func endpoints(c *v1.InnoDBCluster, user, zone string) []endpoint {
	host := fmt.Sprintf("%s.%s.svc", specs.ClientServiceName(c), c.Namespace)
	hostPort := func(svc string, port int) string {
		return fmt.Sprintf("%s.%s.svc:%d", svc, c.Namespace, port)
	}
	out := []endpoint{
		{"classic", fmt.Sprintf("mysql://%s@%s:%d", user, host, specs.PortMySQL), "the primary"},
		{"x", fmt.Sprintf("mysqlx://%s@%s:%d", user, host, specs.PortMySQLX), "the primary"},
		{"primary", "mysql://" + user + "@" + hostPort(specs.PrimaryServiceName(c), specs.PortMySQL),
			"the primary pod directly"},
		{"replicas", "mysql://" + user + "@" + hostPort(specs.ReplicasServiceName(c), specs.PortMySQL),
			"the secondary pods directly"},
	}
	if routerInstances(c) > 0 {
		out = append(out, routerEndpoints(c, user, host)...)
	}
	srv := fmt.Sprintf("%s.%s.%s", c.Name, c.Namespace, zone)
	return append(out,
		endpoint{"srv", fmt.Sprintf("mysql+srv://%s@_mysql._tcp.%s", user, srv),
			"the ONLINE members, primary first (classic, DNS SRV)"},
		endpoint{"srv-x", fmt.Sprintf("mysqlx+srv://%s@_mysqlx._tcp.%s", user, srv),
			"the ONLINE members, primary first (X, DNS SRV)"},
		endpoint{"srv-primary", fmt.Sprintf("mysql+srv://%s@_mysql._tcp.primary.%s", user, srv),
			"the primary (classic, DNS SRV)"},
		endpoint{"srv-replicas", fmt.Sprintf("mysql+srv://%s@_mysql._tcp.replicas.%s", user, srv),
			"the ONLINE secondaries, primary last (classic, DNS SRV)"})
}

func routerEndpoints(c *v1.InnoDBCluster, user, host string) []endpoint {
	ro := fmt.Sprintf("%s.%s.svc", specs.ReadOnlyServiceName(c), c.Namespace)
	port := func(scheme string, p int) string { return scheme + "://" + user + "@" + host + ":" + strconv.Itoa(p) }
	return []endpoint{
		{"read-only", fmt.Sprintf("mysql://%s@%s:%d", user, ro, specs.PortMySQL), "an ONLINE secondary (router)"},
		{"read-only-x", fmt.Sprintf("mysqlx://%s@%s:%d", user, ro, specs.PortMySQLX), "an ONLINE secondary (router)"},
		{"router-rw", port("mysql", specs.PortRouterRW), "the primary (router classic read-write)"},
		{"router-ro", port("mysql", specs.PortRouterRO), "the secondaries (router classic read-only)"},
		{"router-x-rw", port("mysqlx", specs.PortRouterXRW), "the primary (router X read-write)"},
		{"router-x-ro", port("mysqlx", specs.PortRouterXRO), "the secondaries (router X read-only)"},
	}
}

// writeConnect prints the endpoints and the credentials' reference; password is printed only when not empty.
func writeConnect(w io.Writer, c *v1.InnoDBCluster, eps []endpoint, password string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tURL\tREACHES")
	for _, e := range eps {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.name, e.url, e.reaches)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write connection strings: %w", err)
	}
	secret := specs.CredentialsSecretName(c)
	fmt.Fprintf(w, "\nCredentials: Secret %s/%s, keys %s (user) and %s (password)\n", c.Namespace, secret,
		specs.KeyRootUser, specs.KeyRootPassword)
	if password != "" {
		fmt.Fprintf(w, "Password: %s\n", password)
		return nil
	}
	fmt.Fprintf(w, "  kubectl get secret -n %s %s -o jsonpath='{.data.%s}' | base64 -d\n", c.Namespace, secret,
		specs.KeyRootPassword)
	return nil
}

func runConnect(ctx context.Context, o *Options, s *session, c *v1.InnoDBCluster, f *connectFlags) error {
	user, password := "root", ""
	var err error
	if f.showPassword {
		if user, password, err = s.rootCredentials(ctx, c); err != nil {
			return err
		}
	}
	return writeConnect(o.Out, c, endpoints(c, user, f.zone), password)
}

// rootCredentials reads the root user and password from the credentials Secret.
func (s *session) rootCredentials(ctx context.Context, c *v1.InnoDBCluster) (user, password string, err error) {
	sec := &corev1.Secret{}
	key := client.ObjectKey{Namespace: c.Namespace, Name: specs.CredentialsSecretName(c)}
	if err := s.c.Get(ctx, key, sec); err != nil {
		return "", "", fmt.Errorf("read the credentials Secret %s: %w", key.Name, err)
	}
	password = string(sec.Data[specs.KeyRootPassword])
	if password == "" {
		return "", "", fmt.Errorf("the credentials Secret %s has no %s", key.Name, specs.KeyRootPassword)
	}
	user = string(sec.Data[specs.KeyRootUser])
	if user == "" {
		user = "root"
	}
	return user, password, nil
}
