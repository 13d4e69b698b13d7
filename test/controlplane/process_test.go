package controlplane_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orca-operator/orca/test/controlplane"
)

// Stop kills the whole process group (the shell and its child), and a record with another start time
// (a recycled pid) is never taken for the process.
func TestProcessGroupStopAndRecord(t *testing.T) {
	dir := t.TempDir()
	p, err := controlplane.StartProcess(controlplane.ProcessSpec{
		Name: "shell", Path: "/bin/sh", Args: []string{"-c", "echo started; sleep 300 & wait"},
		Env: []string{"ORCA_TEST_MARK=" + dir}, LogDir: dir,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := p.Record()
	if !rec.Alive() || rec.StartTicks == 0 {
		t.Fatalf("fresh process not alive: %+v", rec)
	}
	forged := rec
	forged.StartTicks++
	if forged.Alive() {
		t.Errorf("a record with another start time counts as alive")
	}
	time.Sleep(200 * time.Millisecond)
	if err := p.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	if rec.Alive() || p.ExitErr() == nil {
		t.Errorf("process alive after Stop")
	}
	if left := processesWithEnv("ORCA_TEST_MARK=" + dir); len(left) > 0 {
		t.Errorf("child of the stopped process still runs: %v", left)
	}
	if !strings.Contains(p.LogTail(5), "started") {
		t.Errorf("log tail %q", p.LogTail(5))
	}
	if err := rec.Stop(time.Second); err != nil {
		t.Errorf("stopping a gone process: %v", err)
	}
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	want := controlplane.State{Dir: "/x", Kubeconfig: "/x/kubeconfig", Server: "https://127.0.0.1:1", Simulated: true,
		Ports:     controlplane.Ports{EtcdClient: 1, APIServer: 2},
		Processes: []controlplane.ProcessRecord{{Name: "etcd", PID: 42, StartTicks: 7, Log: "/x/etcd.log"}},
		Started:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := controlplane.SaveState(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := controlplane.LoadState(path)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, got, want)
	}
	if _, err := controlplane.LoadState(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing state: %v", err)
	}
}

// processesWithEnv lists the pids whose environment holds kv.
func processesWithEnv(kv string) []string {
	var pids []string
	files, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && strings.Contains(string(b), kv) {
			pids = append(pids, filepath.Base(filepath.Dir(f)))
		}
	}
	return pids
}
