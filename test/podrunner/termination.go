package podrunner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
)

// The kubelet's limits on a termination message taken from the logs: the last 80 lines, 2048 bytes at most.
const (
	maxLogLines = 80
	maxLogBytes = 2048
)

// serviceAccountDir is where the ServiceAccount admission plugin mounts a pod's API credentials (token, ca.crt,
// namespace); rest.InClusterConfig reads them there.
const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// terminationMessage is what the kubelet puts in a terminated container's status: the termination file's first
// 4096 bytes or, with FallbackToLogsOnError, a failure and an empty file, the end of the container's log.
func terminationMessage(spec execSpec, exitCode int32) string {
	raw, _ := os.ReadFile(spec.terminationLog)
	if len(raw) > maxTerminationMessage {
		raw = raw[:maxTerminationMessage]
	}
	if len(raw) > 0 || !spec.fallbackToLogs || exitCode == 0 {
		return string(raw)
	}
	log, _ := os.ReadFile(spec.Log)
	return string(logTail(log))
}

// logTail is the last 80 lines of log, 2048 bytes at most.
func logTail(log []byte) []byte {
	lines := bytes.Split(bytes.TrimSuffix(log, []byte("\n")), []byte("\n"))
	if len(lines) > maxLogLines {
		lines = lines[len(lines)-maxLogLines:]
	}
	tail := bytes.Join(lines, []byte("\n"))
	if len(tail) > maxLogBytes {
		tail = tail[len(tail)-maxLogBytes:]
	}
	return tail
}

// apiKubeconfig writes, for a container with the ServiceAccount's credentials mounted, a kubeconfig that reaches
// the apiserver with them (the mounted token and CA): a process cannot read them at serviceAccountDir, where
// rest.InClusterConfig looks, so it gets KUBECONFIG instead and acts as the pod's ServiceAccount all the same.
// It returns "" when the container has no such mount or the runner knows no apiserver.
func apiKubeconfig(sb sandbox, c *corev1.Container, ms []mount, namespace string) (string, error) {
	var creds string
	for _, m := range ms {
		if filepath.Clean(m.Path) == serviceAccountDir {
			creds = m.Host
		}
	}
	if creds == "" || sb.APIServer == "" {
		return "", nil
	}
	cfg := map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": "in-cluster",
		"clusters": []any{map[string]any{"name": "in-cluster", "cluster": map[string]any{
			"server": sb.APIServer, "certificate-authority": filepath.Join(creds, "ca.crt")}}},
		"users": []any{map[string]any{"name": "serviceaccount", "user": map[string]any{
			"tokenFile": filepath.Join(creds, "token")}}},
		"contexts": []any{map[string]any{"name": "in-cluster", "context": map[string]any{
			"cluster": "in-cluster", "user": "serviceaccount", "namespace": namespace}}},
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("encode kubeconfig: %w", err)
	}
	path := filepath.Join(sb.Dir, "kubeconfig", c.Name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("make kubeconfig folder: %w", err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}
