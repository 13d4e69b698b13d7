package kubectlorca

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// NewCommand is `kubectl orca` with every subcommand, writing to out and errOut.
func NewCommand(out, errOut io.Writer) *cobra.Command {
	o := &Options{Out: out, ErrOut: errOut}
	root := &cobra.Command{
		Use:   "kubectl-orca",
		Short: "Inspect and operate Orca's MySQL InnoDB Clusters through the Kubernetes API",
		Long: "kubectl orca reads what Orca publishes in its objects' status and asks Orca for work through\n" +
			"annotations and objects. It never connects to MySQL.",
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl orca"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	o.addFlags(root.PersistentFlags())
	root.AddCommand(newStatusCommand(o), newSwitchoverCommand(o), newBackupCommand(o), newBackupsCommand(o),
		newRestoreCommand(o), newApproveCommand(o), newConnectCommand(o), newCompletionCommand(root))
	return root
}

// getCluster reads the named InnoDBCluster, saying which namespace was searched when it is missing.
func (s *session) getCluster(ctx context.Context, name string) (*v1.InnoDBCluster, error) {
	c := &v1.InnoDBCluster{}
	if err := s.c.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: name}, c); err != nil {
		return nil, fmt.Errorf("get InnoDBCluster %s in namespace %s: %w", name, s.namespace, err)
	}
	return c, nil
}

// clusterBackups lists the MySQLBackups of a cluster.
func (s *session) clusterBackups(ctx context.Context, cluster string) ([]v1.MySQLBackup, error) {
	var list v1.MySQLBackupList
	if err := s.c.List(ctx, &list, client.InNamespace(s.namespace)); err != nil {
		return nil, fmt.Errorf("list MySQLBackups in namespace %s: %w", s.namespace, err)
	}
	var out []v1.MySQLBackup
	for _, b := range list.Items {
		if b.Spec.ClusterName == cluster {
			out = append(out, b)
		}
	}
	return out, nil
}

// completeClusters offers the namespace's InnoDBCluster names to shell completion.
func completeClusters(o *Options) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		s, err := o.connect()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var list v1.InnoDBClusterList
		if err := s.c.List(cmd.Context(), &list, client.InNamespace(s.namespace)); err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		names := make([]cobra.Completion, 0, len(list.Items))
		for _, c := range list.Items {
			names = append(names, c.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// withSession is a RunE that connects, then runs fn with the session.
func (o *Options) withSession(fn func(ctx context.Context, s *session, args []string) error) cobraRunE {
	return func(cmd *cobra.Command, args []string) error {
		s, err := o.connect()
		if err != nil {
			return err
		}
		return fn(cmd.Context(), s, args)
	}
}

// withCluster is a RunE that connects and reads the cluster args[0] names, then runs fn with it.
func (o *Options) withCluster(fn func(ctx context.Context, s *session, c *v1.InnoDBCluster) error) cobraRunE {
	return o.withSession(func(ctx context.Context, s *session, args []string) error {
		c, err := s.getCluster(ctx, args[0])
		if err != nil {
			return err
		}
		return fn(ctx, s, c)
	})
}

type cobraRunE = func(*cobra.Command, []string) error
