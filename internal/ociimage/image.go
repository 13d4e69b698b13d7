// Package ociimage assembles Orca's container image without a daemon: one layer holding the static orca binary
// and the few files a non-root process needs, on an empty base (what `make image` writes as an OCI tarball).
package ociimage

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// User is the image's user: distroless's "nonroot", numeric so Kubernetes' runAsNonRoot can check it.
const User = "65532:65532"

// Entrypoint is the binary's path in the image.
const Entrypoint = "/orca"

// Options describe one image build.
type Options struct {
	// Binary is the path of a static orca binary (CGO_ENABLED=0) for Platform.
	Binary string
	// Version goes into the OCI labels (and should match what the binary's `orca version` prints).
	Version string
	// Revision is the VCS revision for the labels; empty leaves the label out.
	Revision string
	// Platform defaults to linux/amd64.
	Platform v1.Platform
	// Created is the image's creation time; zero is the Unix epoch, so builds are reproducible.
	Created time.Time
}

// Build returns the image.
func Build(o Options) (v1.Image, error) {
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("read the orca binary: %w", err)
	}
	layer, err := rootfs(bin)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, fmt.Errorf("add the layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("read the config: %w", err)
	}
	cf = cf.DeepCopy()
	applyConfig(cf, o)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("set the config: %w", err)
	}
	return img, nil
}

func applyConfig(cf *v1.ConfigFile, o Options) {
	p := o.Platform
	if p.OS == "" {
		p = v1.Platform{OS: "linux", Architecture: "amd64"}
	}
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: o.Created.UTC()}
	labels := map[string]string{
		"org.opencontainers.image.title":    "orca",
		"org.opencontainers.image.version":  o.Version,
		"org.opencontainers.image.source":   "https://github.com/orca-operator/orca",
		"org.opencontainers.image.licenses": "Apache-2.0",
	}
	if o.Revision != "" {
		labels["org.opencontainers.image.revision"] = o.Revision
	}
	cf.Config = v1.Config{User: User, Entrypoint: []string{Entrypoint}, Cmd: []string{"operator"},
		WorkingDir: "/", Env: []string{"PATH=/", "HOME=/home/nonroot"}, Labels: labels}
}

// rootfs is the single layer: /orca, /etc/passwd and /etc/group naming nonroot, its home and a /tmp.
func rootfs(bin []byte) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	entries := []struct {
		hdr  tar.Header
		body []byte
	}{
		{tar.Header{Name: "etc/", Typeflag: tar.TypeDir, Mode: 0o755}, nil},
		{tar.Header{Name: "etc/passwd", Mode: 0o644}, []byte("root:x:0:0:root:/root:/sbin/nologin\n" +
			"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{tar.Header{Name: "etc/group", Mode: 0o644}, []byte("root:x:0:\nnonroot:x:65532:\n")},
		{tar.Header{Name: "home/", Typeflag: tar.TypeDir, Mode: 0o755}, nil},
		{tar.Header{Name: "home/nonroot/", Typeflag: tar.TypeDir, Mode: 0o700, Uid: 65532, Gid: 65532}, nil},
		{tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}, nil},
		{tar.Header{Name: "orca", Mode: 0o755}, bin},
	}
	for _, e := range entries {
		h := e.hdr
		h.Size, h.ModTime, h.Format = int64(len(e.body)), time.Unix(0, 0), tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			return nil, fmt.Errorf("write %s: %w", h.Name, err)
		}
		if _, err := tw.Write(e.body); err != nil {
			return nil, fmt.Errorf("write %s: %w", h.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close the layer: %w", err)
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
}

// WriteTarball writes img as a tarball `docker load` / `podman load` / kind / crane accept, tagged ref.
func WriteTarball(path, ref string, img v1.Image) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return fmt.Errorf("parse the tag %q: %w", ref, err)
	}
	if err := tarball.WriteToFile(path, tag, img); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
