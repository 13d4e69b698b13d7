package kubectlorca

import (
	"errors"

	"github.com/spf13/cobra"
)

// ErrRestoreUnavailable is what restore returns: the API has no way to ask for a restore yet.
var ErrRestoreUnavailable = errors.New("restore is not available from the API yet: a restore will be done by " +
	"creating a new InnoDBCluster with spec.initDB naming a MySQLBackup, once the API has it; until then " +
	"`orca restore --help` loads a backup from S3 into a running server by hand")

func newRestoreCommand(o *Options) *cobra.Command {
	return &cobra.Command{
		Use:               "restore CLUSTER BACKUP",
		Short:             "Restore a backup (not available from the API yet; says how)",
		Args:              cobra.MaximumNArgs(2),
		ValidArgsFunction: completeClusters(o),
		RunE: func(*cobra.Command, []string) error {
			return ErrRestoreUnavailable
		},
	}
}
