// Command image writes Orca's OCI image as a tarball from a static orca binary, without a container daemon
// (`make image`). Load it with `docker load -i`, `podman load -i`, `kind load image-archive` or `crane push`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/orca-operator/orca/internal/ociimage"
)

func main() {
	binary := flag.String("binary", "bin/linux-amd64/orca", "static orca binary (CGO_ENABLED=0)")
	out := flag.String("out", "bin/orca-image.tar", "tarball to write")
	tag := flag.String("tag", "ghcr.io/orca-operator/orca:dev", "image reference recorded in the tarball")
	ver := flag.String("version", "dev", "version for the OCI labels")
	rev := flag.String("revision", "", "VCS revision for the OCI labels")
	flag.Parse()
	img, err := ociimage.Build(ociimage.Options{Binary: *binary, Version: *ver, Revision: *rev})
	if err == nil {
		err = ociimage.WriteTarball(*out, *tag, img)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	fmt.Println(*out)
}
