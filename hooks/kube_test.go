package hooks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/test/envtestutil"
)

// The kube tests store runs in a real kube-apiserver + etcd, started by the first test that needs it (fuzz
// workers and the HTTP tests never start one).
var (
	kubeOnce sync.Once
	kube     client.WithWatch
	kubeCfg  *rest.Config
	kubeErr  error
	kubeStop = func() {}
)

func TestMain(m *testing.M) {
	code := m.Run()
	kubeStop()
	os.Exit(code)
}

// apiServer returns a client of the suite's control plane, starting it on first use.
func apiServer(t *testing.T) client.WithWatch {
	t.Helper()
	kubeOnce.Do(func() {
		if kubeCfg, kubeStop, kubeErr = envtestutil.Start(); kubeErr != nil {
			kubeStop = func() {}
			return
		}
		kubeCfg.QPS, kubeCfg.Burst = 2000, 4000 // the test's deliveries, not client-go's defaults, are the load
		kube, kubeErr = client.NewWithWatch(kubeCfg, client.Options{Scheme: testScheme()})
	})
	if kubeErr != nil {
		t.Fatalf("control plane: %v", kubeErr)
	}
	return kube
}

// newKubeHook creates a namespace, a signing Secret and a GitHub MigrationHook without filters or rate limit
// worth speaking of, and returns the namespace.
func newKubeHook(t *testing.T) string {
	t.Helper()
	apiServer(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "hooks-"}}
	if err := kube.Create(ctx, ns); err != nil {
		t.Fatalf("namespace: %v", err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "app-webhook"},
		Data: map[string][]byte{"secret": []byte(testSecret)}}
	hook := &v1.MigrationHook{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "app"},
		Spec: v1.MigrationHookSpec{ClusterName: "db", SecretRef: v1.HookSecretRef{Name: secret.Name},
			Source:    v1.MigrationSource{URL: "https://git.example/acme/app.git"},
			Database:  v1.MigrationDatabase{SecretName: "app-db", Name: "app"},
			RateLimit: v1.HookRateLimit{PerMinute: 60000, Burst: 10000}}}
	for _, o := range []client.Object{secret, hook} {
		if err := kube.Create(ctx, o); err != nil {
			t.Fatalf("create %T: %v", o, err)
		}
	}
	return ns.Name
}

// sendDelivery posts a signed GitHub push for id and returns the status.
func sendDelivery(t testing.TB, c *http.Client, url, id string) int {
	body := githubPush("refs/heads/main", sha(len(id)), "migrations/V1__init.sql")
	req := newRequest(t, url, body)
	signGitHub(req, testSecret, body, id, "push")
	return do(t, c, req).status
}

// burst sends ids at the same moment, one goroutine each, and returns each id's status in order.
func burst(t *testing.T, c *http.Client, url string, ids []string) []int {
	got := make([]int, len(ids))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() { <-start; got[i] = sendDelivery(t, c, url, id) })
	}
	close(start)
	wg.Wait()
	return got
}

func listRuns(t *testing.T, ns string) map[string]v1.MigrationRun {
	t.Helper()
	var list v1.MigrationRunList
	if err := kube.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatalf("list runs: %v", err)
	}
	out := map[string]v1.MigrationRun{}
	for _, r := range list.Items {
		out[r.Name] = r
	}
	return out
}

func httpClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
}

// TestConcurrentDeliveriesMakeOneRunEach: 1,000 deliveries, 20 % of them redeliveries, in bursts of 50 sent at
// once: exactly one run per unique delivery id, none lost, one 202 per id and 200 for every repeat.
func TestConcurrentDeliveriesMakeOneRunEach(t *testing.T) {
	ns := newKubeHook(t)
	url := startServer(t, &Server{Store: operatorStore(t, kubeCfg, nil)}) + "/hooks/" + ns + "/app"
	rng := rand.New(rand.NewPCG(13, 1))
	var ids []string
	for i := range 800 {
		ids = append(ids, fmt.Sprintf("%08x-cc78-11e3-81ab-%012x", rng.Uint32(), i))
	}
	sends := append([]string(nil), ids...)
	for range 200 {
		sends = append(sends, ids[rng.IntN(len(ids))])
	}
	rng.Shuffle(len(sends), func(i, j int) { sends[i], sends[j] = sends[j], sends[i] })
	accepted, seen := map[string]int{}, 0
	c := httpClient()
	for b := 0; b < len(sends); b += 50 {
		for i, status := range burst(t, c, url, sends[b:b+50]) {
			switch status {
			case http.StatusAccepted:
				accepted[sends[b+i]]++
			case http.StatusOK:
				seen++
			default:
				t.Fatalf("delivery %s: %d", sends[b+i], status)
			}
		}
	}
	runs := listRuns(t, ns)
	if len(runs) != len(ids) || seen != len(sends)-len(ids) {
		t.Fatalf("%d runs for %d unique deliveries; %d answered 200, want %d", len(runs), len(ids), seen,
			len(sends)-len(ids))
	}
	for _, id := range ids {
		r, ok := runs[v1.MigrationRunName("app", id)]
		if !ok || r.Spec.DeliveryID != id || accepted[id] != 1 {
			t.Errorf("delivery %s: run %v (%s), answered 202 %d times", id, ok, r.Spec.DeliveryID, accepted[id])
		}
	}
}

var errInjected = apierrors.NewServiceUnavailable("injected")

// TestAPIErrorsAre503NeverSuccess: creations fail before reaching the API server (30 %) or after it stored the
// run (10 %, like a timeout on the way back). Every such delivery is answered 503, never 2xx; every 2xx answer
// has its run in the API server at that moment; redelivering the 503s leaves exactly one run per delivery.
func TestAPIErrorsAre503NeverSuccess(t *testing.T) {
	ns := newKubeHook(t)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(7, 7))
	var injected atomic.Int64
	flaky := interceptor.NewClient(kube, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			mu.Lock()
			p := rng.Float64()
			mu.Unlock()
			switch {
			case p < 0.3:
				injected.Add(1)
				return errInjected
			case p < 0.4:
				if err := c.Create(ctx, obj, opts...); err != nil {
					return err // AlreadyExists after an earlier stored-then-failed attempt: answered 200
				}
				injected.Add(1)
				return errInjected
			}
			return c.Create(ctx, obj, opts...)
		},
	})
	url := startServer(t, &Server{Store: operatorStore(t, kubeCfg, flaky)}) +
		"/hooks/" + ns + "/app"
	var pending []string
	for i := range 200 {
		pending = append(pending, fmt.Sprintf("err-%03d", i))
	}
	c := httpClient()
	unavailable := 0
	for round := 0; len(pending) > 0 && round < 30; round++ {
		var next []string
		for b := 0; b < len(pending); b += 50 {
			ids := pending[b:min(b+50, len(pending))]
			for i, status := range burst(t, c, url, ids) {
				unavailable += checkAnswer(t, ns, ids[i], status)
				if status == http.StatusServiceUnavailable {
					next = append(next, ids[i])
				}
			}
		}
		pending = next
	}
	if len(pending) > 0 || int64(unavailable) != injected.Load() {
		t.Fatalf("%d deliveries never stored; %d answered 503 for %d injected errors", len(pending), unavailable,
			injected.Load())
	}
	if runs := listRuns(t, ns); len(runs) != 200 {
		t.Fatalf("%d runs, want 200", len(runs))
	}
}

// checkAnswer fails the test when a 2xx answer has no run behind it, and counts a 503.
func checkAnswer(t *testing.T, ns, id string, status int) int {
	switch status {
	case http.StatusAccepted, http.StatusOK:
		var r v1.MigrationRun
		key := client.ObjectKey{Namespace: ns, Name: v1.MigrationRunName("app", id)}
		if err := kube.Get(context.Background(), key, &r); err != nil {
			t.Errorf("delivery %s answered %d without a stored run: %v", id, status, err)
		}
		return 0
	case http.StatusServiceUnavailable:
		return 1
	default:
		t.Errorf("delivery %s: %d", id, status)
		return 0
	}
}

// TestKubeStoreUnknownHookAndMissingSecret: 404 for a hook that does not exist, 503 once its Secret's watch has
// seen it deleted.
func TestKubeStoreUnknownHookAndMissingSecret(t *testing.T) {
	ns := newKubeHook(t)
	store := operatorStore(t, kubeCfg, nil)
	url := startServer(t, &Server{Store: store})
	c := httpClient()
	if got := sendDelivery(t, c, url+"/hooks/"+ns+"/nope", "x"); got != http.StatusNotFound {
		t.Errorf("unknown hook: %d", got)
	}
	if got := sendDelivery(t, c, url+"/hooks/"+ns+"/app", "w"); got != http.StatusAccepted {
		t.Fatalf("first delivery: %d", got)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-webhook"}}
	if err := kube.Delete(context.Background(), secret); err != nil {
		t.Fatalf("delete secret: %v", err)
	}
	waitFor(t, "the watch to see the Secret deleted", func() bool {
		_, err := store.Hook(context.Background(), ns, "app")
		return err != nil
	})
	if got := sendDelivery(t, c, url+"/hooks/"+ns+"/app", "y"); got != http.StatusServiceUnavailable {
		t.Errorf("missing secret: %d", got)
	}
}

// TestAPIValidation: the CRDs' CEL rules and patterns refuse what the receiver and controller rely on.
func TestAPIValidation(t *testing.T) {
	ns := newKubeHook(t)
	ctx := context.Background()
	hook := func(name string, f func(*v1.MigrationHookSpec)) *v1.MigrationHook {
		h := &v1.MigrationHook{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: v1.MigrationHookSpec{ClusterName: "db", SecretRef: v1.HookSecretRef{Name: "s"},
				Source:   v1.MigrationSource{URL: "https://git.example/a.git"},
				Database: v1.MigrationDatabase{SecretName: "d", Name: "app"}}}
		f(&h.Spec)
		return h
	}
	bad := map[string]client.Object{
		"name over 30":       hook("a-hook-name-longer-than-thirty-chars", func(*v1.MigrationHookSpec) {}),
		"image without name": hook("img", func(s *v1.MigrationHookSpec) { s.Runner.Type = v1.RunnerImage }),
		"ssh url":            hook("ssh", func(s *v1.MigrationHookSpec) { s.Source.URL = "git@host:a.git" }),
		"short commit": &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "r1"},
			Spec: v1.MigrationRunSpec{HookName: "app", ClusterName: "db", Commit: "abc", DeliveryID: "d"}},
	}
	for name, o := range bad {
		if err := kube.Create(ctx, o); !apierrors.IsInvalid(err) {
			t.Errorf("%s: got %v, want Invalid", name, err)
		}
	}
	var h v1.MigrationHook
	if err := kube.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app"}, &h); err != nil {
		t.Fatal(err)
	}
	if h.Spec.Provider != v1.ProviderGitHub || h.Spec.ConcurrencyPolicy != v1.ConcurrencyQueue ||
		h.Spec.Runner.Type != v1.RunnerBuiltin || h.Spec.Source.Path != "migrations" ||
		len(h.Spec.Filters.Events) != 2 || *h.Spec.SuccessfulRunsHistoryLimit != 10 {
		t.Errorf("defaults: %+v", h.Spec)
	}
	run := &v1.MigrationRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "r2"},
		Spec: v1.MigrationRunSpec{HookName: "app", ClusterName: "db", Commit: sha(1), DeliveryID: "d"}}
	if err := kube.Create(ctx, run); err != nil {
		t.Fatalf("valid run: %v", err)
	}
	run.Spec.Commit = sha(2)
	if err := kube.Update(ctx, run); !apierrors.IsInvalid(err) {
		t.Errorf("changing a run's commit: got %v, want Invalid", err)
	}
}
