package podrunner

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
)

func TestTerminationMessageFromFileOrLogs(t *testing.T) {
	dir := t.TempDir()
	sb := sandbox{Dir: dir}
	c := &corev1.Container{Name: "migrate", TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError}
	ms, err := sb.mounts(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	if m.Path != corev1.TerminationMessagePathDefault || !strings.HasPrefix(m.Host, dir) {
		t.Fatalf("mount %+v", m)
	}
	var log strings.Builder
	for i := range 100 {
		log.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	spec := execSpec{Log: filepath.Join(dir, "0.log"), terminationLog: m.Host, fallbackToLogs: true}
	if err := os.WriteFile(spec.Log, []byte(log.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := terminationMessage(spec, 1)
	if lines := strings.Split(got, "\n"); len(lines) != maxLogLines || lines[0] != "line 20" || lines[79] != "line 99" {
		t.Fatalf("a failure with an empty file: the log's last 80 lines, got %d lines from %q", len(lines), lines[0])
	}
	if got := terminationMessage(spec, 0); got != "" {
		t.Fatalf("a success never falls back to the log: %q", got)
	}
	if err := os.WriteFile(m.Host, []byte(strings.Repeat("x", 5000)), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := terminationMessage(spec, 1); len(got) != maxTerminationMessage {
		t.Fatalf("the file wins, cut to 4096 bytes: got %d", len(got))
	}
	if _, err := sb.mounts(c, nil); err != nil {
		t.Fatal(err)
	}
	if raw, _ := os.ReadFile(m.Host); len(raw) != 0 { // gone: the new container has none yet
		t.Fatalf("a new start empties the file: %d bytes left", len(raw))
	}
}

func TestAPIKubeconfigActsAsTheServiceAccount(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "volumes", "kube-api-access")
	sb := sandbox{Dir: dir, APIServer: "https://127.0.0.1:6443"}
	c := &corev1.Container{Name: "migrate"}
	if p, err := apiKubeconfig(sb, c, []mount{{Path: "/work", Host: dir}}, "team-a"); err != nil || p != "" {
		t.Fatalf("without the ServiceAccount's mount: %q, %v", p, err)
	}
	p, err := apiKubeconfig(sb, c, []mount{{Path: serviceAccountDir, Host: creds}}, "team-a")
	if err != nil || p == "" {
		t.Fatalf("kubeconfig %q, %v", p, err)
	}
	if err := os.MkdirAll(creds, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"token", "ca.crt"} {
		if err := os.WriteFile(filepath.Join(creds, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != sb.APIServer || cfg.BearerTokenFile != filepath.Join(creds, "token") ||
		cfg.CAFile != filepath.Join(creds, "ca.crt") {
		t.Fatalf("config %+v", cfg)
	}
	ns, _, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(&clientcmd.ClientConfigLoadingRules{
		ExplicitPath: p}, nil).Namespace()
	if err != nil || ns != "team-a" {
		t.Fatalf("namespace %q, %v", ns, err)
	}
}
