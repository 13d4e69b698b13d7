// Command etcd runs the etcd server built from the Go module proxy, for envtest and the playground.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
