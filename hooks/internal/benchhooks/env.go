package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
	"github.com/orca-operator/orca/controllers"
	"github.com/orca-operator/orca/hooks"
	"github.com/orca-operator/orca/internal/operator"
)

const secret = "It's a Secret to Everybody"

// target is a receiver the benchmark posts signed GitHub pushes to.
type target struct {
	name string
	url  string
	http *http.Client
}

// env is the control plane with Orca's receiver and run controller, and the floor beside them.
type env struct {
	kube         client.WithWatch
	orca, floor  target
	floorRun     target // the floor storing a MigrationRun (the kind Orca stores), not a ConfigMap
	live, floorP target // the receivers whose runs the Pod rows time (their own namespaces)
	pods         *podWatch
	// orcaReqs and floorReqs count each side's API requests (receiver and controllers).
	orcaReqs, floorReqs *requests
}

func start(ctx context.Context, cfg *rest.Config) (*env, error) {
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1.AddToScheme(scheme)
	kube, err := client.NewWithWatch(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	e := &env{kube: kube, orcaReqs: &requests{}, floorReqs: &requests{}}
	for _, ns := range []string{"orca-bench", "orca-live", "floor-bench", "floor-live", floorRuns} {
		if err := e.namespace(ctx, ns); err != nil {
			return nil, err
		}
	}
	orcaURL, err := startOrca(ctx, e.orcaReqs.config(cfg), scheme)
	if err != nil {
		return nil, err
	}
	floorKube, err := client.NewWithWatch(e.floorReqs.config(cfg), client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	floorURL, err := startFloor(ctx, floorKube)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	e.orca = target{name: "orca", url: orcaURL + "/hooks/orca-bench/app", http: hc}
	e.live = target{name: "orca", url: orcaURL + "/hooks/orca-live/app", http: hc}
	e.floor = target{name: "floor", url: floorURL + "/floor-bench", http: hc}
	e.floorRun = target{name: "floor-run", url: floorURL + "/" + floorRuns, http: hc}
	e.floorP = target{name: "floor", url: floorURL + "/floor-live", http: hc}
	for _, ns := range []string{"orca-bench", "orca-live"} {
		if err := e.hook(ctx, ns); err != nil {
			return nil, err
		}
	}
	e.pods, err = watchPods(ctx, kube, "orca-live", "floor-live")
	return e, err
}

func (e *env) namespace(ctx context.Context, ns string) error {
	return e.kube.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
}

// hook creates the signing Secret, an ONLINE cluster db and the GitHub hook app of ns.
func (e *env) hook(ctx context.Context, ns string) error {
	objs := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "webhook"},
			Data: map[string][]byte{"secret": []byte(secret)}},
		&v1.InnoDBCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"}},
		&v1.MigrationHook{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"},
			Spec: v1.MigrationHookSpec{ClusterName: "db", SecretRef: v1.HookSecretRef{Name: "webhook"},
				Source:    v1.MigrationSource{URL: "https://git.example/acme/app.git"},
				Database:  v1.MigrationDatabase{SecretName: "app-db", Name: "app"},
				RateLimit: v1.HookRateLimit{PerMinute: 60000, Burst: 10000}}},
	}
	for _, o := range objs {
		if err := e.kube.Create(ctx, o); err != nil {
			return fmt.Errorf("create %T in %s: %w", o, ns, err)
		}
	}
	c := objs[1].(*v1.InnoDBCluster)
	c.Status.ClusterState, c.Status.OnlineInstances = v1.ClusterStateOnline, 3
	return e.kube.Status().Update(ctx, c)
}

// startOrca runs what `orca operator` runs for migrations: the run and hook controllers and the receiver with
// the operator's store (operator.HookStore: hooks from the manager's cache, Secrets watched by name).
func startOrca(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme) (string, error) {
	// Orca's controllers watch its namespaces only: the floor's MigrationRuns are not theirs to reconcile.
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		Cache: cache.Options{DefaultNamespaces: map[string]cache.Config{"orca-bench": {}, "orca-live": {}}}})
	if err != nil {
		return "", err
	}
	mr := &controllers.MigrationRunReconciler{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Scheme: scheme, OrcaImage: "orca:bench"}
	if err := mr.SetupWithManager(mgr); err != nil {
		return "", err
	}
	if err := (&controllers.MigrationHookReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return "", err
	}
	store, err := operator.HookStore(mgr)
	if err != nil {
		return "", err
	}
	go func() { _ = mgr.Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return "", fmt.Errorf("cache did not sync")
	}
	srv := &hooks.Server{Store: store}
	return serve(ctx, srv.Handler())
}

func serve(ctx context.Context, h http.Handler) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return "http://" + l.Addr().String(), nil
}

// push is a signed GitHub push delivery for id.
func push(url, id string) (*http.Request, error) {
	sum := sha256.Sum256([]byte(id))
	after := hex.EncodeToString(sum[:20])
	body, _ := json.Marshal(map[string]any{"ref": "refs/heads/main", "after": after,
		"repository": map[string]any{"full_name": "acme/app"}, "sender": map[string]any{"login": "octocat"},
		"commits": []map[string]any{{"id": after, "added": []string{"migrations/V1__init.sql"},
			"modified": []string{}, "removed": []string{}}}})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

// send posts a push and returns how long the answer took; anything but 202 is an error.
func (t target) send(ctx context.Context, id string) (time.Duration, error) {
	req, err := push(t.url, id)
	if err != nil {
		return 0, err
	}
	began := time.Now()
	resp, err := t.http.Do(req.WithContext(ctx))
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", t.name, id, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	took := time.Since(began)
	if resp.StatusCode != http.StatusAccepted {
		return 0, fmt.Errorf("%s %s: answered %d, want 202", t.name, id, resp.StatusCode)
	}
	return took, nil
}
