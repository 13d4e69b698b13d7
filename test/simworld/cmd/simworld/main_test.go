package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/internal/tlsca"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/testutil"
	"github.com/orca-operator/orca/xprotocol"
)

// The command as the playground runs it: it starts its own MariaDB, follows a member pod that kwok runs,
// publishes the member in the map file `orca operator --dev-member-map` reads, and serves the control API.
func TestCommandFollowsAPodAndServesControl(t *testing.T) {
	cp := controlplane.StartT(t, controlplane.Options{Simulated: true})
	c := &v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Name: "play", Namespace: "default"}}
	c.SetDefaults()
	createMemberObjects(t, cp, c, "pw-from-secret")

	dir := t.TempDir()
	mapFile := filepath.Join(dir, "members.json")
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, mustRead(t, cp.Kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, settings{kubeconfig: kubeconfig, startMariaDB: filepath.Join(dir, "mariadb"),
			base: fmt.Sprintf("127.%d.%d.2", 100+rand.IntN(100), rand.IntN(250)), memberMap: mapFile,
			control: "127.0.0.1:0", second: time.Second}, outW)
		_ = outW.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("simworld exited with: %v", err)
		}
	}()
	control := waitForControl(t, outR, done)

	host := specs.MemberHost(c, 0, "")
	dialer := memberdial.NewLoopbackFile(mapFile)
	var s *xprotocol.Session
	eventually(t, 60*time.Second, func() (err error) {
		dctx, dcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer dcancel()
		s, err = xprotocol.Dial(dctx, host+":33060", xprotocol.Config{User: "root", Password: "pw-from-secret",
			Dial: dialer.DialContext})
		return err
	})
	defer func() { _ = s.Close() }()
	res, err := s.Execute(context.Background(), "SELECT @@server_id, @@report_host")
	if err != nil {
		t.Fatal(err)
	}
	if row := res.Sets[0].Rows[0]; row[0].String() != "1000" || row[1].String() != host {
		t.Fatalf("member answers %v, want 1000 %s", row, host)
	}

	var clusters []struct {
		Namespace, Name string
		Members         []struct{ Pod, ReportHost, Host string }
	}
	getJSON(t, control+"/clusters", &clusters)
	if len(clusters) != 1 || clusters[0].Name != "play" || len(clusters[0].Members) != 1 ||
		clusters[0].Members[0].ReportHost != host {
		t.Fatalf("GET /clusters: %+v", clusters)
	}
	post(t, control+"/clusters/default/play/members/play-0/crash", http.StatusOK)
	post(t, control+"/clusters/default/play/members", http.StatusMethodNotAllowed)
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the X session survived a crash through the control API")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("simworld exited with: %v", err)
	}
	done <- nil // for the deferred stop
	var published map[string]string
	if err := json.Unmarshal(mustRead(t, mapFile), &published); err != nil || len(published) != 0 {
		t.Fatalf("member map after exit: %v %v", published, err)
	}
}

// createMemberObjects creates what Orca would for a one-member cluster: the ConfigMap, the credentials Secret
// and pod <name>-0 from the StatefulSet template (its datadir an emptyDir rather than a claim).
func createMemberObjects(t *testing.T, cp *controlplane.ControlPlane, c *v1.InnoDBCluster, password string) {
	t.Helper()
	ctx := context.Background()
	cm := specs.ConfigMap(c, specs.RenderMyCnf(c, "1d6a4f0e-6f1d-4c4e-9b1a-5e3c2d7f8a90"))
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: specs.CredentialsSecretName(c), Namespace: c.Namespace},
		StringData: map[string]string{specs.KeyRootPassword: password}}
	sts, err := specs.StatefulSet(c, specs.StatefulSetOptions{OrcaImage: "orca:test"})
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: specs.PodName(c, 0), Namespace: c.Namespace,
		Labels: sts.Spec.Template.Labels}, Spec: sts.Spec.Template.Spec}
	pod.Spec.ReadinessGates = nil
	pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: specs.DatadirVolume,
		VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	for _, err := range []error{cp.Client.Create(ctx, cm), cp.Client.Create(ctx, secret), createTLS(ctx, cp, c),
		cp.Client.Create(ctx, pod)} {
		if err != nil {
			t.Fatalf("create member objects: %v", err)
		}
	}
}

var controlLine = regexp.MustCompile(`control API on (http://\S+)/clusters`)

// waitForControl reads the command's output until it names its control address.
func waitForControl(t *testing.T, out io.Reader, done chan error) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			t.Log(sc.Text())
			if m := controlLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case addr := <-found:
		return addr
	case err := <-done:
		done <- err
		t.Fatalf("simworld exited before serving: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("simworld did not start within 90s")
	}
	return ""
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func post(t *testing.T, url string, want int) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %s %s, want %d", url, resp.Status, body, want)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func eventually(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	testutil.Eventually(t, timeout, fn)
}

// createTLS writes the member's certificate and the trust bundle the pod mounts, as the operator would.
func createTLS(ctx context.Context, cp *controlplane.ControlPlane, c *v1.InnoDBCluster) error {
	now := time.Now()
	ca, err := tlsca.NewCA("test-ca", now, 24*time.Hour)
	if err != nil {
		return err
	}
	pod := specs.PodName(c, 0)
	cert, err := tlsca.IssueCert(ca, specs.MemberTLSNames(c, 0, "", ""), now, 24*time.Hour)
	if err != nil {
		return err
	}
	data := map[string][]byte{specs.KeyCACert: ca.CertPEM, specs.MemberCertKey(pod): cert.CertPEM,
		specs.MemberKeyKey(pod): cert.KeyPEM}
	if err := cp.Client.Create(ctx, specs.MemberTLSSecret(c, data, 0)); err != nil {
		return err
	}
	if specs.TrustSecretName(c) == specs.ServerTLSSecretName(c) {
		return nil
	}
	return cp.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: specs.TrustSecretName(c),
		Namespace: c.Namespace}, Data: map[string][]byte{specs.KeyCACert: ca.CertPEM}})
}
