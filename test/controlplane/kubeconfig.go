package controlplane

import (
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// credentials authenticate one kubeconfig user: a bearer token or a client certificate.
type credentials struct {
	user    string
	token   string
	certPEM []byte
	keyPEM  []byte
}

// writeKubeconfig writes a single-context kubeconfig for server, trusting caPEM.
func writeKubeconfig(path, server string, caPEM []byte, cred credentials) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["orca"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[cred.user] = &clientcmdapi.AuthInfo{
		Token:                 cred.token,
		ClientCertificateData: cred.certPEM,
		ClientKeyData:         cred.keyPEM,
	}
	cfg.Contexts["orca"] = &clientcmdapi.Context{Cluster: "orca", AuthInfo: cred.user, Namespace: "default"}
	cfg.CurrentContext = "orca"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}

// LoadKubeconfig loads a kubeconfig into a rest.Config with generous client-side rate limits for tests.
func LoadKubeconfig(path string) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	return cfg, nil
}
