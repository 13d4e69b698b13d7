// Command kubectl-orca is the `kubectl orca` plugin: put it on PATH and kubectl runs it as `kubectl orca`.
package main

import (
	"fmt"
	"os"

	"github.com/orca-operator/orca/internal/kubectlorca"
)

func main() {
	if err := kubectlorca.NewCommand(os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
