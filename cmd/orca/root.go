package main

import "github.com/spf13/cobra"

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:          "orca",
		Short:        "Orca runs MySQL InnoDB Cluster on Kubernetes",
		SilenceUsage: true,
	}
	root.AddCommand(newOperatorCommand(), newInitCommand(), newRouterCommand(), newBackupCommand(),
		newRestoreCommand(), newBinlogArchiveCommand(), newDeleteBackupCommand(), newMigrateCommand(),
		newVersionCommand())
	return root
}
