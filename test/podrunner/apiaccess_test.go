package podrunner

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

// The kubeconfig a pod's process gets reaches the apiserver as the pod's ServiceAccount only: the server, the
// CA of the volume, the token file client-go rereads (and reads at once), and no other credential.
func TestKubeconfigUsesThePodsToken(t *testing.T) {
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("the-pods-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig("https://127.0.0.1:6443", []byte("PEM"), token))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != "https://127.0.0.1:6443" || string(cfg.CAData) != "PEM" || cfg.BearerTokenFile != token {
		t.Errorf("config: host %q, CA %q, token file %q", cfg.Host, cfg.CAData, cfg.BearerTokenFile)
	}
	if cfg.BearerToken != "the-pods-token" || cfg.CertData != nil || cfg.Username != "" || cfg.Insecure {
		t.Errorf("the kubeconfig carries another credential or skips verification: %+v", cfg)
	}
}
