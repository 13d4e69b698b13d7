package migrate

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/orca-operator/orca/test/envtestutil"
)

// A control plane for the Lease, started by the first test that needs one, with an admin kubeconfig file for
// the runner processes the kill test starts.
var (
	kubeOnce   sync.Once
	kube       client.Client
	kubeconfig string
	kubeErr    error
	kubeEnv    *envtest.Environment
)

func kubeStop() {
	if kubeEnv != nil {
		_ = kubeEnv.Stop()
	}
}

func apiServer(t *testing.T) client.Client {
	t.Helper()
	kubeOnce.Do(func() { kubeErr = startAPIServer() })
	if kubeErr != nil {
		t.Fatalf("control plane: %v", kubeErr)
	}
	return kube
}

func startAPIServer() error {
	envtestutil.SetLogger()
	env, err := envtestutil.NewEnvironment()
	if err != nil {
		return err
	}
	cfg, err := env.Start()
	if err != nil {
		return err
	}
	kubeEnv = env
	admin, err := env.AddUser(envtest.User{Name: "orca-migrate-test", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	raw, err := admin.KubeConfig()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "orca-migrate-kube-")
	if err != nil {
		return err
	}
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, raw, 0o600); err != nil {
		return err
	}
	kube, err = client.New(cfg, client.Options{Scheme: clientScheme()})
	return err
}

func clientScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(s)
	return s
}

// kubeClientFrom builds a client from a kubeconfig file (the runner processes).
func kubeClientFrom(path string) (client.Client, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: clientScheme()})
}
