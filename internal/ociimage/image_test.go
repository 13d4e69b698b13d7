package ociimage

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The CI check of `make image`: a real static orca binary, assembled and written as a tarball, read back; the
// image runs as a numeric non-root user, its entrypoint is the binary, and the binary says the stamped version.
func TestImageRunsOrcaAsNonRootWithItsVersion(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "orca")
	const ver = "v0.0.0-imagetest"
	build := exec.Command("go", "build", "-trimpath", "-ldflags",
		"-X github.com/orca-operator/orca/internal/version.Version="+ver, "-o", bin, "../../cmd/orca")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build orca: %v\n%s", err, out)
	}
	img, err := Build(Options{Binary: bin, Version: ver, Revision: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "image.tar")
	if err := WriteTarball(path, "ghcr.io/orca-operator/orca:test", img); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag("ghcr.io/orca-operator/orca:test")
	back, err := tarball.ImageFromPath(path, &tag)
	if err != nil {
		t.Fatalf("read the tarball back: %v", err)
	}
	cf, err := back.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" || strings.Join(c.Entrypoint, " ") != "/orca" || cf.OS != "linux" ||
		c.Labels["org.opencontainers.image.version"] != ver {
		t.Fatalf("config: user %q entrypoint %q os %q labels %v", c.User, c.Entrypoint, cf.OS, c.Labels)
	}
	extracted := filepath.Join(dir, "from-image")
	if err := os.WriteFile(extracted, fileOf(t, back, "orca"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(extracted, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "orca "+ver+" (") {
		t.Fatalf("the image's /orca version: %v: %q", err, out)
	}
	if s := string(fileOf(t, back, "etc/passwd")); !strings.Contains(s, "nonroot:x:65532:65532:") {
		t.Fatalf("/etc/passwd lacks the nonroot user: %q", s)
	}
}

// fileOf returns the content of the flattened image's file at path (no leading slash).
func fileOf(t *testing.T, img v1.Image, path string) []byte {
	t.Helper()
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatalf("the image has no %s", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == path {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}
