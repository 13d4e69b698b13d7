package kubectlorca

import (
	"context"

	"github.com/spf13/cobra"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func newStatusCommand(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:   "status CLUSTER",
		Short: "Show a cluster's members, conditions, routers and last backup",
		Long: "status prints what Orca last published for the cluster: the group's state, every member's role,\n" +
			"state, version, applier queue, node and zone, offline mode and last error, the conditions, the\n" +
			"routers that are Ready and the newest complete MySQLBackup.",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeClusters(o),
		RunE: o.withCluster(func(ctx context.Context, s *session, c *v1.InnoDBCluster) error {
			backups, err := s.clusterBackups(ctx, c.Name)
			if err != nil {
				return err
			}
			return writeStatus(o.Out, c, backups)
		}),
	}
}
