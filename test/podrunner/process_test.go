package podrunner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func shellSpec(t *testing.T, script string) execSpec {
	t.Helper()
	sh, err := os.Stat("/bin/sh")
	if err != nil || sh.IsDir() {
		t.Fatalf("/bin/sh is needed: %v", err)
	}
	dir := t.TempDir()
	return execSpec{Path: "/bin/sh", Argv: []string{"sh", "-c", script}, Env: []string{"ONLY=this"}, Dir: dir,
		Log: filepath.Join(dir, "logs", "0.log")}
}

func TestProcessExitCodeAndEnvironment(t *testing.T) {
	spec := shellSpec(t, `echo "env: $(env | grep -v '^PWD=' | grep -v '^SHLVL=' | grep -v '^_=' | tr '\n' ' ')"; exit 3`)
	p, err := startProcess(spec)
	if err != nil {
		t.Fatal(err)
	}
	<-p.done
	if p.exitCode != 3 {
		t.Fatalf("exit code %d", p.exitCode)
	}
	if out := readFile(t, spec.Log); strings.TrimSpace(out) != "env: ONLY=this" {
		t.Fatalf("log %q: the runner's environment leaked in", out)
	}
}

func TestProcessTerminateKillsAfterGraceAndTheWholeGroup(t *testing.T) {
	// The shell ignores SIGTERM and leaves a child: SIGKILL after the grace takes both.
	spec := shellSpec(t, `trap '' TERM; sleep 600 & echo $! > child; wait`)
	p, err := startProcess(spec)
	if err != nil {
		t.Fatal(err)
	}
	child := 0
	deadline := time.Now().Add(10 * time.Second)
	for child == 0 && time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(spec.Dir, "child")); err == nil && strings.TrimSpace(string(b)) != "" {
			child = atoi(t, strings.TrimSpace(string(b)))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if child == 0 {
		t.Fatal("child never started")
	}
	p.terminate(200*time.Millisecond, nil)
	if p.exitCode != 128+int32(syscall.SIGKILL) {
		t.Fatalf("exit code %d, want 137", p.exitCode)
	}
	waitGone(t, child)
}

func TestProcessTerminateIsSIGTERMFirst(t *testing.T) {
	p, err := startProcess(shellSpec(t, `trap 'exit 0' TERM; while :; do sleep 0.05; done`))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the trap be set
	p.terminate(time.Minute, nil)
	if p.exitCode != 0 {
		t.Fatalf("exit code %d, want the clean exit of the TERM trap", p.exitCode)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a pid: %q", s)
	}
	return n
}

// waitGone waits until no process has pid (it is reaped by its parent or init).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(pid, 0); err != nil {
			return
		}
		if b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")); err == nil && zombie(string(b)) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d still runs", pid)
}

func zombie(stat string) bool {
	i := strings.LastIndexByte(stat, ')')
	return i > 0 && len(stat) > i+2 && stat[i+2] == 'Z'
}
