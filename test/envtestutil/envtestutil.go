// Package envtestutil starts a real kube-apiserver + etcd (built by hack/controlplane.sh) for envtest suites.
package envtestutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// RepoRoot is the repository's root folder, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Assets returns the folder with etcd and kube-apiserver: $KUBEBUILDER_ASSETS, else the project's cache,
// building the binaries on first use (several minutes, once per machine).
func Assets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	cmd := exec.Command(filepath.Join(RepoRoot(), "hack", "controlplane.sh"), "envtest")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build control-plane binaries with hack/controlplane.sh: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1], nil
}

// NewEnvironment returns an envtest environment with Orca's CRDs, ready to Start.
func NewEnvironment() (*envtest.Environment, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	for _, bin := range []string{"etcd", "kube-apiserver"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return nil, fmt.Errorf("%s missing in %s (run `make test-deps`): %w", bin, assets, err)
		}
	}
	return &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		CRDDirectoryPaths:        []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 60 * time.Second,
		ControlPlaneStopTimeout:  30 * time.Second,
	}, nil
}

// SetLogger sends controller-runtime logs to stderr when ORCA_TEST_VERBOSE is set and discards them otherwise.
func SetLogger() {
	if os.Getenv("ORCA_TEST_VERBOSE") != "" {
		ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr)))
		return
	}
	ctrl.SetLogger(logr.Discard())
}

// Start sets the logger, starts a control plane with Orca's CRDs and returns its config and a stop function.
func Start() (*rest.Config, func(), error) {
	SetLogger()
	env, err := NewEnvironment()
	if err != nil {
		return nil, nil, err
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, nil, fmt.Errorf("start envtest control plane: %w", err)
	}
	return cfg, func() { _ = env.Stop() }, nil
}
