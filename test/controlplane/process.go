package controlplane

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// ProcessSpec describes a child process: the control-plane components, and later the MySQL simulator or
// `orca operator` started by the end-to-end harness and the playground.
type ProcessSpec struct {
	// Name is a short name used in errors and as the log file name (<Name>.log under LogDir).
	Name string
	// Path is the executable.
	Path string
	// Args are the arguments after the executable.
	Args []string
	// Env is added to the current environment (later entries win).
	Env []string
	// WorkDir is the working directory; empty means the current one.
	WorkDir string
	// LogDir receives <Name>.log with stdout and stderr. Required.
	LogDir string
	// Detach starts the process in its own session so that it outlives this program (the playground).
	// Otherwise it gets its own process group and is killed when this program's thread dies.
	Detach bool
}

// Process is a started child. Stop kills its whole process group.
type Process struct {
	spec    ProcessSpec
	cmd     *exec.Cmd
	logPath string
	record  ProcessRecord
	done    chan struct{}
	waitErr error
}

// StartProcess starts spec with stdout and stderr going to <LogDir>/<Name>.log (appended).
func StartProcess(spec ProcessSpec) (*Process, error) {
	logPath := filepath.Join(spec.LogDir, spec.Name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log of %s: %w", spec.Name, err)
	}
	defer func() { _ = logFile.Close() }() // the child keeps its own copy
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Dir = spec.WorkDir
	cmd.Env = append(os.Environ(), spec.Env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr(spec.Detach)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", spec.Name, spec.Path, err)
	}
	p := &Process{spec: spec, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	p.record = newRecord(spec.Name, cmd.Process.Pid, logPath)
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func sysProcAttr(detach bool) *syscall.SysProcAttr {
	if detach {
		return &syscall.SysProcAttr{Setsid: true}
	}
	// Pdeathsig: an interrupted `go test` must not leave an apiserver behind.
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// Name returns the spec's name.
func (p *Process) Name() string { return p.spec.Name }

// PID returns the process id (also its process group id).
func (p *Process) PID() int { return p.cmd.Process.Pid }

// LogPath returns the file holding the process's output.
func (p *Process) LogPath() string { return p.logPath }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// ExitErr describes how the process ended, or nil while it runs.
func (p *Process) ExitErr() error {
	select {
	case <-p.done:
		if p.waitErr == nil {
			return fmt.Errorf("%s exited with status 0", p.spec.Name)
		}
		return fmt.Errorf("%s exited: %w", p.spec.Name, p.waitErr)
	default:
		return nil
	}
}

// Record returns what is needed to find and stop the process from another program.
func (p *Process) Record() ProcessRecord { return p.record }

// LogTail returns the last n lines of the process's log.
func (p *Process) LogTail(n int) string { return tailFile(p.logPath, n) }

// Stop sends SIGTERM to the process group, then SIGKILL after grace, and waits for the exit.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		killGroup(p.PID(), syscall.SIGKILL) // stray children of a dead leader
		return nil
	default:
	}
	killGroup(p.PID(), syscall.SIGTERM)
	select {
	case <-p.done:
		killGroup(p.PID(), syscall.SIGKILL)
		return nil
	case <-time.After(grace):
	}
	killGroup(p.PID(), syscall.SIGKILL)
	select {
	case <-p.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("stop %s (pid %d): still running after SIGKILL", p.spec.Name, p.PID())
	}
}

// killGroup signals the process group led by pid; an already-gone group is not an error.
func killGroup(pid int, sig syscall.Signal) {
	if pid <= 1 {
		return
	}
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = syscall.Kill(pid, sig)
	}
}
