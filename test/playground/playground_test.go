package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/testutil"
)

// playground runs the built command as a user would, so that the processes must outlive it.
type playground struct {
	t     *testing.T
	bin   string
	state string
	root  string // the checkout: `up` runs from there, as `go run ./test/playground up` does
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("checkout root not found: %v", err)
	}
	return dir
}

func newPlayground(t *testing.T) *playground {
	t.Helper()
	if _, err := controlplane.FindBinaries(true, false); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "playground")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build playground: %v\n%s", err, out)
	}
	pg := &playground{t: t, bin: bin, state: filepath.Join(dir, "state"), root: repoRoot(t)}
	t.Cleanup(func() { // never leave a cluster behind, even on failure
		if out, err := pg.run("down"); err != nil {
			t.Errorf("playground down: %v\n%s", err, out)
		}
	})
	return pg
}

func (pg *playground) run(args ...string) (string, error) {
	pg.t.Helper()
	cmd := exec.Command(pg.bin, append(args, "--state", pg.state)...)
	cmd.Dir = pg.root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (pg *playground) mustRun(args ...string) string {
	pg.t.Helper()
	out, err := pg.run(args...)
	if err != nil {
		pg.t.Fatalf("playground %v: %v\n%s", args, err, out)
	}
	return out
}

func (pg *playground) loaded() playState {
	pg.t.Helper()
	s, err := loadState(pg.state)
	if err != nil {
		pg.t.Fatalf("load state: %v", err)
	}
	return s
}

func expectAlive(t *testing.T, s playState, want bool) {
	t.Helper()
	for _, p := range s.Processes {
		if p.Alive() != want {
			t.Errorf("%s (pid %d): alive=%v, want %v", p.Name, p.PID, p.Alive(), want)
		}
	}
}

func TestPlaygroundUpStatusDown(t *testing.T) {
	pg := newPlayground(t)
	out := pg.mustRun("up", "--no-addons", "--nodes", "2", "--exec", "sleeper=sleep 600")
	kubeconfig := filepath.Join(pg.state, "cluster", "kubeconfig")
	for _, want := range []string{"export KUBECONFIG=" + kubeconfig, "only simulated by kwok", "never connect",
		"go run k8s.io/kubernetes/cmd/kubectl", "sleeper"} {
		if !strings.Contains(out, want) {
			t.Errorf("up output lacks %q:\n%s", want, out)
		}
	}
	first := pg.loaded()
	if len(first.Processes) != 6 {
		t.Fatalf("want 5 control-plane processes and the sleeper, got %+v", first.Processes)
	}
	expectAlive(t, first, true) // `up` has exited: they are detached
	expectNodes(t, kubeconfig, 2)

	if out := pg.mustRun("up", "--no-addons"); !strings.Contains(out, "already up") {
		t.Errorf("second up should say it is already up:\n%s", out)
	}
	if again := pg.loaded(); again.Processes[0].PID != first.Processes[0].PID {
		t.Errorf("second up restarted etcd")
	}
	if out := pg.mustRun("status"); !strings.Contains(out, "2 nodes") {
		t.Errorf("status lacks the node count:\n%s", out)
	}

	sched := first.Processes[3]
	if sched.Name != "kube-scheduler" {
		t.Fatalf("process 3 is %s", sched.Name)
	}
	if err := syscall.Kill(sched.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// SIGKILL is asynchronous: wait until the process is really gone before asking status about it.
	testutil.Eventually(t, 10*time.Second, func() error {
		if sched.Alive() {
			return fmt.Errorf("kube-scheduler (pid %d) still alive", sched.PID)
		}
		return nil
	})
	if out, err := pg.run("status"); err == nil || !strings.Contains(out, "NOT RUNNING") {
		t.Errorf("status should fail and name the dead scheduler: %v\n%s", err, out)
	}
	if out := pg.mustRun("up", "--no-addons"); !strings.Contains(out, "broken playground") {
		t.Errorf("up over a broken playground should say so:\n%s", out)
	}
	expectAlive(t, first, false)
	second := pg.loaded()
	expectAlive(t, second, true)
	expectNodes(t, kubeconfig, 3)

	pg.mustRun("down")
	expectAlive(t, second, false)
	if _, err := os.Stat(pg.state); !os.IsNotExist(err) {
		t.Errorf("down left the state folder: %v", err)
	}
	if out, err := pg.run("status"); err == nil || !strings.Contains(out, "No playground") {
		t.Errorf("status after down: %v\n%s", err, out)
	}
}

// An addon that fails stops the whole `up`: nothing is left running and the error shows its log.
func TestPlaygroundFailedAddonStopsEverything(t *testing.T) {
	pg := newPlayground(t)
	out, err := pg.run("up", "--no-addons", "--nodes", "1", "--operator-cmd", "echo operator boom; exit 3")
	if err == nil || !strings.Contains(out, "operator boom") || !strings.Contains(out, "addon operator") {
		t.Fatalf("want a failed up showing the operator's log: %v\n%s", err, out)
	}
	if _, err := os.Stat(statePath(pg.state)); !os.IsNotExist(err) {
		t.Errorf("a failed up saved state: %v", err)
	}
	if left := processesMentioning(pg.state); len(left) > 0 {
		t.Errorf("processes left after a failed up: %v", left)
	}
}

func expectNodes(t *testing.T, kubeconfig string, want int) {
	t.Helper()
	cfg, err := controlplane.LoadKubeconfig(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c, err := controlplane.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var nodes corev1.NodeList
	if err := c.List(context.Background(), &nodes); err != nil {
		t.Fatalf("list nodes through the playground kubeconfig: %v", err)
	}
	if len(nodes.Items) != want {
		t.Errorf("%d nodes, want %d", len(nodes.Items), want)
	}
}

// processesMentioning lists the pids whose command line contains s.
func processesMentioning(s string) []string {
	var pids []string
	files, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), s) {
			pids = append(pids, filepath.Base(filepath.Dir(f)))
		}
	}
	return pids
}
