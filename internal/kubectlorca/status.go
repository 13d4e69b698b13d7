package kubectlorca

import (
	"github.com/spf13/cobra"
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
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.connect()
			if err != nil {
				return err
			}
			c, err := s.getCluster(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			backups, err := s.clusterBackups(cmd.Context(), c.Name)
			if err != nil {
				return err
			}
			return writeStatus(o.Out, c, backups)
		},
	}
}
