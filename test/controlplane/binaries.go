package controlplane

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// EnvBinDir names the environment variable that points at a folder holding the control-plane binaries.
const EnvBinDir = "ORCA_CONTROLPLANE_DIR"

// BuildHint is the command that builds and caches the binaries.
const BuildHint = "run `make test-deps` (or `hack/controlplane.sh all`)"

// Binaries are the paths of the control-plane executables.
type Binaries struct {
	// Dir is the folder holding them.
	Dir string
	// Etcd, APIServer, ControllerManager, Scheduler and Kwok are executable paths in Dir.
	Etcd, APIServer, ControllerManager, Scheduler, Kwok string
}

func binariesIn(dir string) Binaries {
	return Binaries{
		Dir:               dir,
		Etcd:              filepath.Join(dir, "etcd"),
		APIServer:         filepath.Join(dir, "kube-apiserver"),
		ControllerManager: filepath.Join(dir, "kube-controller-manager"),
		Scheduler:         filepath.Join(dir, "kube-scheduler"),
		Kwok:              filepath.Join(dir, "kwok"),
	}
}

// missing lists the binaries that a (simulated) control plane needs and Dir lacks.
func (b Binaries) missing(simulated bool) []string {
	need := []string{b.Etcd, b.APIServer}
	if simulated {
		need = append(need, b.ControllerManager, b.Scheduler, b.Kwok)
	}
	var out []string
	for _, path := range need {
		if st, err := os.Stat(path); err != nil || st.Mode()&0o111 == 0 {
			out = append(out, filepath.Base(path))
		}
	}
	return out
}

// FindBinaries locates the binaries: $ORCA_CONTROLPLANE_DIR if set, else the cache folder that
// hack/controlplane.sh fills. With build set, missing binaries are built by running the script
// (about 15 minutes once); otherwise they are an error naming the command to run.
func FindBinaries(simulated, build bool) (Binaries, error) {
	if dir := os.Getenv(EnvBinDir); dir != "" {
		b := binariesIn(dir)
		if m := b.missing(simulated); len(m) > 0 {
			return b, fmt.Errorf("%s=%s lacks %s: %s", EnvBinDir, dir, strings.Join(m, ", "), BuildHint)
		}
		return b, nil
	}
	script, err := findScript()
	if err != nil {
		return Binaries{}, err
	}
	dir, err := cacheDir(script)
	if err != nil {
		return Binaries{}, err
	}
	b := binariesIn(dir)
	m := b.missing(simulated)
	if len(m) == 0 {
		return b, nil
	}
	if !build {
		return b, fmt.Errorf("control-plane binaries missing in %s (%s): %s", dir, strings.Join(m, ", "), BuildHint)
	}
	if err := runScript(script, simulated); err != nil {
		return b, err
	}
	if m := b.missing(simulated); len(m) > 0 {
		return b, fmt.Errorf("%s ran but %s still lacks %s", script, dir, strings.Join(m, ", "))
	}
	return b, nil
}

func runScript(script string, simulated bool) error {
	what := "envtest"
	if simulated {
		what = "all"
	}
	cmd := exec.Command("bash", script, what)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr // the script prints progress; we know the folder already
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build control-plane binaries with %s %s: %w", script, what, err)
	}
	return nil
}

var scriptVersion = regexp.MustCompile(`(?m)^(K8S_VERSION|ETCD_VERSION|KWOK_VERSION)=(\S+)$`)

// cacheDir reads the versions from the script, its single source of truth, and returns the folder it fills.
func cacheDir(script string) (string, error) {
	text, err := os.ReadFile(script)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", script, err)
	}
	v := map[string]string{}
	for _, m := range scriptVersion.FindAllStringSubmatch(string(text), -1) {
		v[m[1]] = m[2]
	}
	if len(v) != 3 {
		return "", fmt.Errorf("read versions from %s: found %v", script, v)
	}
	cache := os.Getenv("ORCA_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the cache folder: %w", err)
		}
		cache = filepath.Join(home, ".cache", "orca")
	}
	name := fmt.Sprintf("k8s-%s-etcd-%s-kwok-%s", v["K8S_VERSION"], v["ETCD_VERSION"], v["KWOK_VERSION"])
	return filepath.Join(cache, "controlplane", name), nil
}

// findScript looks for hack/controlplane.sh above the working directory, then above this source file.
func findScript() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			path := filepath.Join(dir, "hack", "controlplane.sh")
			if _, err := os.Stat(path); err == nil {
				return path, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errors.New("hack/controlplane.sh not found above the working directory: " +
		"run from the Orca checkout or set " + EnvBinDir)
}
