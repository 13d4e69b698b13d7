package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/operator"
	"github.com/orca-operator/orca/test/testutil"
)

// checkOperatorReceivesHooks sends a GitHub-signed push to the running operator's --hooks-bind-address and
// expects 202 and the run in the API server.
func checkOperatorReceivesHooks(t *testing.T, cfg *rest.Config, addr string) {
	t.Helper()
	scheme, err := operator.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app-webhook"},
		Data: map[string][]byte{"secret": []byte("op-secret")}}
	hook := &v1.MigrationHook{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "app"},
		Spec: v1.MigrationHookSpec{ClusterName: "db", SecretRef: v1.HookSecretRef{Name: secret.Name},
			Source:   v1.MigrationSource{URL: "https://git.example/acme/app.git"},
			Database: v1.MigrationDatabase{SecretName: "app-db", Name: "app"}}}
	for _, o := range []client.Object{secret, hook} {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	body := []byte(`{"ref":"refs/heads/main","after":"` + fmt.Sprintf("%040x", 42) + `","sender":{"login":"o"}}`)
	m := hmac.New(sha256.New, []byte("op-secret"))
	m.Write(body)
	var status int
	testutil.Eventually(t, 30*time.Second, func() error {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/hooks/default/app", bytes.NewReader(body))
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
		req.Header.Set("X-GitHub-Delivery", "op-delivery-1")
		req.Header.Set("X-GitHub-Event", "push")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if status = resp.StatusCode; status != http.StatusAccepted && status != http.StatusOK {
			return fmt.Errorf("status %d", status)
		}
		return nil
	})
	var run v1.MigrationRun
	key := client.ObjectKey{Namespace: "default", Name: v1.MigrationRunName("app", "op-delivery-1")}
	if err := k8s.Get(ctx, key, &run); err != nil || run.Spec.Commit != fmt.Sprintf("%040x", 42) {
		t.Fatalf("run of the delivery: %v %+v", err, run.Spec)
	}
}
