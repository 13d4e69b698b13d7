package rbac

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// freeHooksAddr is a loopback address for the operator's MigrationHook receiver.
func freeHooksAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// migrationLifecycle: a GitHub-signed push to the operator's receiver becomes a run; on the ONLINE cluster the
// run gets its Pod (and the namespace its runner account); the Pod disappears, the run fails and, with a
// history limit of 0, is deleted.
func (s *suite) migrationLifecycle(t *testing.T) {
	c := s.newCluster(t, "mig", 1)
	c.waitOnline(120 * time.Second)
	ctx := context.Background()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: "app-webhook"},
		Data: map[string][]byte{"secret": []byte("rbac-secret")}}
	hook := &v1.MigrationHook{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: "app"},
		Spec: v1.MigrationHookSpec{ClusterName: "mig", SecretRef: v1.HookSecretRef{Name: secret.Name},
			Source:                 v1.MigrationSource{URL: "https://git.example/acme/app.git"},
			Database:               v1.MigrationDatabase{SecretName: "app-db", Name: "app"},
			FailedRunsHistoryLimit: ptr.To[int32](0)}}
	if err := s.admin.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := s.admin.Create(ctx, hook); err != nil {
		t.Fatal(err)
	}
	c.eventually(30*time.Second, func() error { return s.deliver(c.ns, "rbac-delivery-1") })
	runKey := c.key(v1.MigrationRunName("app", "rbac-delivery-1"))
	var run v1.MigrationRun
	c.eventually(60*time.Second, func() error {
		if err := s.admin.Get(ctx, runKey, &run); err != nil {
			return err
		}
		if run.Status.Phase != v1.MigrationRunning {
			return fmt.Errorf("run is %s/%s: %s", run.Status.Phase, run.Status.Reason, run.Status.Message)
		}
		return nil
	})
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: c.ns, Name: run.Status.PodName}}
	if err := s.admin.Delete(ctx, pod, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	c.eventually(60*time.Second, func() error {
		err := s.admin.Get(ctx, runKey, &run)
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("run still there (%s/%s): %w", run.Status.Phase, run.Status.Reason, err)
	})
	c.delete()
}

// deliver posts a GitHub-signed push for the hook app in ns to the operator's receiver.
func (s *suite) deliver(ns, delivery string) error {
	body := []byte(`{"ref":"refs/heads/main","after":"` + fmt.Sprintf("%040x", 7) + `","sender":{"login":"rbac"}}`)
	m := hmac.New(sha256.New, []byte("rbac-secret"))
	m.Write(body)
	req, err := http.NewRequest(http.MethodPost, "http://"+s.hooksAddr+"/hooks/"+ns+"/app", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	req.Header.Set("X-GitHub-Delivery", delivery)
	req.Header.Set("X-GitHub-Event", "push")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("delivery answered %d", resp.StatusCode)
	}
	return nil
}
