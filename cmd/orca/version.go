package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/orca-operator/orca/internal/version"
)

// newVersionCommand prints the build's version: the image's entrypoint check runs it.
func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print Orca's version, VCS revision and Go version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), version.Get())
			return err
		},
	}
}
