package podrunner

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
)

// EnvKubeconfig is set for a container that mounts its ServiceAccount's API access (the kube-api-access volume
// the apiserver adds at ServiceAccountMountPath): a kubeconfig that reaches the apiserver with the pod's own
// token. A process cannot see the token at its mount path without a mount namespace, nor reach the kubernetes
// Service's ClusterIP, so client-go's in-cluster configuration is played by KUBECONFIG (which client-go and
// controller-runtime read first); the token and CA are the ones the volume holds, so RBAC is the pod's.
const EnvKubeconfig = "KUBECONFIG"

// ServiceAccountMountPath is where a pod's ServiceAccount token, CA and namespace are mounted.
const ServiceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount"

// apiAccessEnv writes the kubeconfig of a container that mounts ServiceAccountMountPath and returns its
// variable; nothing for a container that does not (automountServiceAccountToken: false).
func (w *podWorker) apiAccessEnv(spec *corev1.Container) ([]envVar, error) {
	for _, vm := range spec.VolumeMounts {
		if filepath.Clean(vm.MountPath) != ServiceAccountMountPath {
			continue
		}
		dir, ok := w.sb.Volumes[vm.Name]
		if !ok {
			return nil, fmt.Errorf("%w: no volume %q for mount %s", errConfig, vm.Name, vm.MountPath)
		}
		ca, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
		if err != nil {
			return nil, fmt.Errorf("%w: the service account CA: %w", errConfig, err)
		}
		path := filepath.Join(w.sb.Dir, "kubeconfig-"+spec.Name)
		if err := os.WriteFile(path, kubeconfig(w.r.opts.Config.Host, ca, filepath.Join(dir, "token")),
			0o600); err != nil {
			return nil, fmt.Errorf("write the kubeconfig: %w", err)
		}
		return []envVar{{EnvKubeconfig, path}}, nil
	}
	return nil, nil
}

// kubeconfig reaches server, trusting ca, with the token that client-go rereads from tokenFile.
func kubeconfig(server string, ca []byte, tokenFile string) []byte {
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: in-cluster
  cluster: {server: %q, certificate-authority-data: %s}
users:
- name: service-account
  user: {tokenFile: %q}
contexts:
- name: in-cluster
  context: {cluster: in-cluster, user: service-account}
current-context: in-cluster
`, server, base64.StdEncoding.EncodeToString(ca), tokenFile)
}
