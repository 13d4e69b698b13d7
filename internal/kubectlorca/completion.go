package kubectlorca

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newCompletionCommand(root *cobra.Command) *cobra.Command {
	root.CompletionOptions.DisableDefaultCmd = true
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script",
		Long: "completion prints the completion script of kubectl-orca for bash, zsh or fish. kubectl (1.26 and\n" +
			"later) completes `kubectl orca` itself through an executable kubectl_complete-orca on PATH that runs\n" +
			"`kubectl-orca __complete \"$@\"` (docs/kubectl-plugin.md).",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			}
			return fmt.Errorf("unknown shell %q: bash, zsh or fish", args[0])
		},
	}
}
