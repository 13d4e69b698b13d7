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

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/test/envtestutil"
	"github.com/orca-operator/orca/test/testutil"
)

// helperEnv makes the test binary run `orca` with the arguments in it (tab-separated) instead of the tests, so
// the operator runs as its own process and gets real signals.
const helperEnv = "ORCA_TEST_RUN_ORCA"

func TestMain(m *testing.M) {
	if args := os.Getenv(helperEnv); args != "" {
		root := newRootCommand()
		root.SetArgs(strings.Split(args, "\t"))
		if err := root.Execute(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// `orca operator` stops on SIGTERM within its graceful shutdown and releases its leader lease on the way out,
// so a successor takes over at once instead of after the lease expires.
func TestOperatorReleasesLeaseOnSIGTERM(t *testing.T) {
	envtestutil.SetLogger()
	env, err := envtestutil.NewEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	kubeconfig := writeAdminKubeconfig(t, env)
	k8s, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}

	hooksAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, helperEnv+"="+strings.Join([]string{"operator",
		"--leader-elect", "--leader-election-namespace=default", "--metrics-bind-address=0",
		"--health-probe-bind-address=0", "--graceful-shutdown-timeout=10s", "--hooks-bind-address=" + hooksAddr,
		"--dns-bind-address=127.0.0.1:0"},
		"\t"))
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var holder string
	testutil.Eventually(t, 60*time.Second, func() error {
		var err error
		holder, err = leaseHolder(k8s)
		return err
	})
	checkOperatorReceivesHooks(t, cfg, hooksAddr)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("operator exited with %v after SIGTERM:\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("operator still running 20s after SIGTERM:\n%s", logs.String())
	}
	if h, err := leaseHolder(k8s); err == nil {
		t.Fatalf("lease still held by %q (was %q) after the operator stopped", h, holder)
	}
}

// leaseHolder returns the holder of the operator's lease, failing while nobody holds it.
func leaseHolder(k8s client.Client) (string, error) {
	var lease coordinationv1.Lease
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: operator.LeaderElectionID},
		&lease); err != nil {
		return "", err
	}
	if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		return "", fmt.Errorf("lease %s has no holder", lease.Name)
	}
	return *lease.Spec.HolderIdentity, nil
}

func writeAdminKubeconfig(t *testing.T, env *envtest.Environment) string {
	t.Helper()
	admin, err := env.AddUser(envtest.User{Name: "orca-test-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
