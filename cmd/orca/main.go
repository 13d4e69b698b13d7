// Command orca is Orca's single binary: the operator and its helpers, one subcommand each.
package main

import (
	"os"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		os.Exit(1)
	}
}
