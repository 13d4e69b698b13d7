package podrunner

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// execSpec is one container process as the runner starts it.
type execSpec struct {
	// Path is the local executable (Image.Binary).
	Path string
	// Argv is the command line; Argv[0] is the program as the pod names it (/orca).
	Argv []string
	// Env is the whole environment: nothing of the runner's own is inherited, as in a container.
	Env []string
	// Dir is the working folder.
	Dir string
	// Log receives stdout and stderr (appended).
	Log string

	img   Image        // what the image holds, for commands run in the container (exec probes)
	image string       // the image's name
	rw    pathRewriter // the container's mounts
	// terminationLog is the file of the container's terminationMessagePath; fallbackToLogs is its policy
	// FallbackToLogsOnError.
	terminationLog string
	fallbackToLogs bool
}

// process is a started container process. It runs in a process group of its own, and the whole group is killed
// once its leader exits, as a container's processes all go with its PID 1.
type process struct {
	spec execSpec
	pid  int
	cmd  *exec.Cmd
	done chan struct{}
	// exitCode is valid once done is closed: the exit status, or 128+signal for a process a signal ended.
	exitCode int32
	finished time.Time
}

// startProcess starts spec. The process dies with the runner's thread (Pdeathsig), so an interrupted test leaves
// nothing behind.
func startProcess(spec execSpec) (*process, error) {
	if err := os.MkdirAll(filepath.Dir(spec.Log), 0o755); err != nil {
		return nil, fmt.Errorf("make log folder: %w", err)
	}
	log, err := os.OpenFile(spec.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open container log: %w", err)
	}
	defer func() { _ = log.Close() }() // the child has its own copy
	cmd := &exec.Cmd{Path: spec.Path, Args: spec.Argv, Env: spec.Env, Dir: spec.Dir, Stdout: log, Stderr: log,
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.Path, err)
	}
	p := &process{spec: spec, pid: cmd.Process.Pid, cmd: cmd, done: make(chan struct{})}
	go p.wait()
	return p, nil
}

func (p *process) wait() {
	err := p.cmd.Wait()
	p.finished = time.Now()
	p.exitCode = exitCode(p.cmd.ProcessState, err)
	signalGroup(p.pid, syscall.SIGKILL) // what the leader left running
	close(p.done)
}

func exitCode(state *os.ProcessState, err error) int32 {
	if state == nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			state = exit.ProcessState
		} else {
			return 128
		}
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int32(ws.Signal())
	}
	return int32(state.ExitCode())
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// terminate stops the process as the kubelet stops a container: SIGTERM to the group, SIGKILL once grace has
// passed or abort is closed, then it waits for the exit.
func (p *process) terminate(grace time.Duration, abort <-chan struct{}) {
	if p.exited() {
		return
	}
	signalGroup(p.pid, syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return
	case <-timer.C:
	case <-abort:
	}
	p.kill()
}

// kill sends SIGKILL to the group and waits for the exit.
func (p *process) kill() {
	signalGroup(p.pid, syscall.SIGKILL)
	<-p.done
}

// signalGroup signals the process group led by pid; a group already gone is not an error.
func signalGroup(pid int, sig syscall.Signal) {
	if pid <= 1 {
		return
	}
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = syscall.Kill(pid, sig)
	}
}
