package hooks

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/internal/namedsecrets"
)

func testScheme() *runtime.Scheme {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1.AddToScheme(scheme)
	return scheme
}

// operatorStore is the store as `orca operator` builds it (internal/operator/hooks.go), on cfg: hooks from an
// informer's cache, Secrets from namedsecrets, runs created by writer (a client of cfg when nil).
func operatorStore(t *testing.T, cfg *rest.Config, writer client.Writer) *KubeStore {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c, err := cache.New(cfg, cache.Options{Scheme: testScheme()})
	if err != nil {
		t.Fatalf("cache: %v", err)
	}
	if _, err := c.GetInformer(ctx, &v1.MigrationHook{}); err != nil {
		t.Fatalf("hook informer: %v", err)
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	cached, err := client.New(cfg, client.Options{Scheme: testScheme(), Cache: &client.CacheOptions{Reader: c}})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("clientset: %v", err)
	}
	secrets := &namedsecrets.Watcher{Client: cs}
	go func() { _ = secrets.Start(ctx) }()
	live, err := client.New(cfg, client.Options{Scheme: testScheme()})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	if writer == nil {
		writer = live
	}
	return &KubeStore{Hooks: cached, Secrets: secrets, Live: live, Writer: writer}
}

// requestLog records every request a client of its config sends.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		l.mu.Lock()
		l.reqs = append(l.reqs, r.Method+" "+r.URL.Path)
		l.mu.Unlock()
		return rt.RoundTrip(r)
	})
}

func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestAcceptedDeliveryCostsOneRequest counts the requests the operator's store sends to the real API server: once
// the hook's Secret is watched, each accepted delivery and each redelivery costs exactly one request, the run's
// creation; the hook and its Secret are read from caches.
func TestAcceptedDeliveryCostsOneRequest(t *testing.T) {
	ns := newKubeHook(t)
	var log requestLog
	cfg := rest.CopyConfig(kubeCfg)
	cfg.Wrap(log.wrap)
	url := startServer(t, &Server{Store: operatorStore(t, cfg, nil)}) + "/hooks/" + ns + "/app"
	c := httpClient()
	if got := sendDelivery(t, c, url, "warm"); got != http.StatusAccepted {
		t.Fatalf("first delivery: %d", got) // starts the Secret's watch: a list and a watch
	}
	log.take()
	const n = 20
	for i := range n {
		id := fmt.Sprintf("count-%d", i)
		if got := sendDelivery(t, c, url, id); got != http.StatusAccepted {
			t.Fatalf("delivery %s: %d", id, got)
		}
		if got := sendDelivery(t, c, url, id); got != http.StatusOK {
			t.Fatalf("redelivery %s: %d", id, got)
		}
	}
	reqs := log.take()
	create := "POST /apis/mysql.orca.dev/v1alpha1/namespaces/" + ns + "/migrationruns"
	others := slices.DeleteFunc(slices.Clone(reqs), func(r string) bool { return r == create })
	if len(reqs) != 2*n || len(others) > 0 {
		t.Fatalf("%d requests for %d deliveries, want one creation each; not creations: %v", len(reqs), 2*n,
			others[:min(len(others), 5)])
	}
}

// TestRotatedSecret: right after the hook's Secret is rotated, a delivery signed with the new secret is accepted
// (the watched copy may be older: the Secret is read again once) and one signed with the old secret is refused.
func TestRotatedSecret(t *testing.T) {
	ns := newKubeHook(t)
	url := startServer(t, &Server{Store: operatorStore(t, kubeCfg, nil)}) + "/hooks/" + ns + "/app"
	c := httpClient()
	if got := sendDelivery(t, c, url, "before"); got != http.StatusAccepted {
		t.Fatalf("before the rotation: %d", got)
	}
	var s corev1.Secret
	ctx := context.Background()
	if err := kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app-webhook"}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data["secret"] = []byte("rotated " + testSecret)
	if err := kube.Update(ctx, &s); err != nil {
		t.Fatalf("rotate: %v", err)
	}
	send := func(secret, id string) int {
		body := githubPush("refs/heads/main", sha(len(id)), "migrations/V1__init.sql")
		req := newRequest(t, url, body)
		signGitHub(req, secret, body, id, "push")
		return do(t, c, req).status
	}
	if got := send("rotated "+testSecret, "new-secret"); got != http.StatusAccepted {
		t.Errorf("signed with the rotated secret: %d, want 202", got)
	}
	if got := send(testSecret, "old-secret"); got != http.StatusUnauthorized {
		t.Errorf("signed with the old secret after the rotation: %d, want 401", got)
	}
	if runs := listRuns(t, ns); len(runs) != 2 {
		t.Errorf("%d runs, want 2 (before the rotation, and signed with the new secret)", len(runs))
	}
}

// waitFor polls cond until it holds, failing the test after 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
