package controlplane_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/orca-operator/orca/test/controlplane"
)

// The core control plane serves RBAC-enforced requests for the admin token, refuses anonymous writes,
// and Stop leaves no process and no folder behind.
func TestCoreStartStop(t *testing.T) {
	cp, err := controlplane.Start(context.Background(), controlplane.Options{
		ExtraArgs: map[string][]string{"kube-apiserver": {"--event-ttl=5m"}},
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	state := cp.State()
	if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", state.Processes[1].PID)); !strings.Contains(
		string(cmdline), "--event-ttl=5m") {
		t.Errorf("extra apiserver flag not passed: %q", cmdline)
	}
	if len(state.Processes) != 2 || state.Simulated {
		t.Fatalf("want etcd and kube-apiserver only, got %+v", state.Processes)
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", cp.Kubeconfig)
	if err != nil {
		t.Fatalf("load kubeconfig: %v", err)
	}
	if !strings.HasPrefix(cfg.Host, "https://127.0.0.1:") || len(cfg.CAData) == 0 {
		t.Errorf("kubeconfig: host %q, CA %d bytes", cfg.Host, len(cfg.CAData))
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "orca-system"}}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace as admin: %v", err)
	}
	anon := kubernetes.NewForConfigOrDie(anonymous(cfg))
	_, err = anon.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "nope"}}, metav1.CreateOptions{})
	if err == nil {
		t.Errorf("anonymous create succeeded: authorization is not enforced")
	}

	if err := cp.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	for _, p := range state.Processes {
		if p.Alive() {
			t.Errorf("%s (pid %d) still alive after Stop", p.Name, p.PID)
		}
	}
	if _, err := os.Stat(cp.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary folder %s left behind: %v", cp.Dir, err)
	}
	if err := cp.Stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
}

func anonymous(cfg *rest.Config) *rest.Config {
	c := *cfg
	c.BearerToken = ""
	return &c
}

// Missing binaries are an error that names the command building them, never a silent skip.
func TestMissingBinariesSayHowToBuild(t *testing.T) {
	t.Setenv(controlplane.EnvBinDir, t.TempDir())
	_, err := controlplane.Start(context.Background(), controlplane.Options{Simulated: true})
	if err == nil || !strings.Contains(err.Error(), "make test-deps") || !strings.Contains(err.Error(), "kwok") {
		t.Fatalf("want an error naming kwok and `make test-deps`, got %v", err)
	}
}

// A component that cannot start fails Start with the tail of its log, and nothing is left running.
func TestStartFailureShowsLog(t *testing.T) {
	bins, err := controlplane.FindBinaries(false, false)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "bin")
	if err := os.MkdirAll(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bins.Etcd, filepath.Join(fake, "etcd")); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho 'apiserver refuses: simulated failure' >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(fake, "kube-apiserver"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(controlplane.EnvBinDir, fake)
	work := filepath.Join(dir, "cp")
	start := time.Now()
	_, err = controlplane.Start(context.Background(), controlplane.Options{Dir: work})
	if err == nil || !strings.Contains(err.Error(), "simulated failure") ||
		!strings.Contains(err.Error(), "kube-apiserver") {
		t.Fatalf("want the apiserver's log in the error, got %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("failure noticed after %s: should not wait for the start timeout", d)
	}
	if _, statErr := os.Stat(filepath.Join(work, "etcd.log")); statErr != nil {
		t.Errorf("a given Dir keeps its logs: %v", statErr)
	}
	if left := processesMentioning(work); len(left) > 0 {
		t.Errorf("processes left running after a failed start: %v", left)
	}
}

// processesMentioning lists the pids whose command line contains s.
func processesMentioning(s string) []string {
	var pids []string
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), s) {
			pids = append(pids, filepath.Base(filepath.Dir(f)))
		}
	}
	return pids
}

// A port taken between picking and binding makes Start try again with fresh ports.
func TestStartRetriesATakenPort(t *testing.T) {
	bins, err := controlplane.FindBinaries(false, false)
	if err != nil {
		t.Fatal(err)
	}
	fake := t.TempDir()
	if err := os.Symlink(bins.APIServer, filepath.Join(fake, "kube-apiserver")); err != nil {
		t.Fatal(err)
	}
	// The first etcd fails the way a lost port race does; the next ones are the real etcd.
	script := "#!/bin/sh\nmark=\"$(dirname \"$0\")/tried\"\n" +
		"if [ ! -e \"$mark\" ]; then touch \"$mark\"\n" +
		"  echo 'listen tcp 127.0.0.1:1: bind: address already in use' >&2; exit 1\nfi\n" +
		"exec " + bins.Etcd + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(fake, "etcd"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(controlplane.EnvBinDir, fake)
	cp, err := controlplane.Start(context.Background(), controlplane.Options{})
	if err != nil {
		t.Fatalf("start after a lost port race: %v", err)
	}
	defer func() { _ = cp.Stop() }()
	if _, err := os.Stat(filepath.Join(fake, "tried")); err != nil {
		t.Fatalf("the failing first attempt did not run: %v", err)
	}
	if err := cp.Client.List(context.Background(), &corev1.NamespaceList{}); err != nil {
		t.Errorf("list namespaces: %v", err)
	}
}
