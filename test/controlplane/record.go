package controlplane

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ProcessRecord identifies a started process well enough for another program to stop it later
// (the playground's `down`). The start time guards against a recycled pid.
type ProcessRecord struct {
	// Name is the process's short name.
	Name string `json:"name"`
	// PID is the process id; the process leads its own process group.
	PID int `json:"pid"`
	// StartTicks is field 22 of /proc/<pid>/stat (start time in clock ticks since boot).
	StartTicks uint64 `json:"startTicks"`
	// Log is the file holding the process's output.
	Log string `json:"log"`
}

func newRecord(name string, pid int, log string) ProcessRecord {
	ticks, _, _ := procStat(pid)
	return ProcessRecord{Name: name, PID: pid, StartTicks: ticks, Log: log}
}

// Alive reports whether the recorded process still runs (not a zombie, same start time).
func (r ProcessRecord) Alive() bool {
	ticks, state, err := procStat(r.PID)
	if err != nil || state == 'Z' {
		return false
	}
	return r.StartTicks == 0 || ticks == r.StartTicks
}

// Stop sends SIGTERM to the recorded process group, SIGKILL after grace, and waits until it is gone.
// A process that is already gone is not an error.
func (r ProcessRecord) Stop(grace time.Duration) error {
	if !r.Alive() {
		return nil
	}
	killGroup(r.PID, syscall.SIGTERM)
	if r.waitGone(grace) {
		return nil
	}
	killGroup(r.PID, syscall.SIGKILL)
	if r.waitGone(10 * time.Second) {
		return nil
	}
	return fmt.Errorf("stop %s (pid %d): still running after SIGKILL", r.Name, r.PID)
}

func (r ProcessRecord) waitGone(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for r.Alive() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// procStat returns the start time and state letter of pid from /proc/<pid>/stat.
func procStat(pid int) (startTicks uint64, state byte, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, fmt.Errorf("read stat of pid %d: %w", pid, err)
	}
	// The command name may hold spaces and parentheses: fields start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("parse stat of pid %d", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("parse stat of pid %d: %d fields", pid, len(fields))
	}
	// fields[0] is field 3 (state); field 22 (starttime) is fields[19].
	startTicks, err = strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("parse start time of pid %d: %w", pid, err)
	}
	return startTicks, fields[0][0], nil
}

// tailFile returns the last n lines of a file, or a note saying why it could not be read.
func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
