package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

const (
	testNS     = "team-a"
	testSecret = "github webhook secret 4f2a"
	testToken  = "gitlab-token-9c1e"
)

func githubHook() Hook {
	return Hook{Namespace: testNS, Name: "app", Secret: []byte(testSecret), Spec: v1.MigrationHookSpec{
		ClusterName: "db", Provider: v1.ProviderGitHub,
		Filters:   v1.HookFilters{Refs: []string{"refs/heads/main"}, Paths: []string{"migrations/**"}},
		RateLimit: v1.HookRateLimit{PerMinute: 60000, Burst: 10000},
	}}
}

// logSink collects every log line the server writes, at every verbosity.
type logSink struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *logSink) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.buf.String() }

func newTestServer(t *testing.T, store Store) (*Server, string, *logSink) {
	sink := &logSink{}
	log := funcr.New(func(prefix, args string) {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		fmt.Fprintln(&sink.buf, prefix, args)
	}, funcr.Options{Verbosity: 9})
	s := &Server{Store: store, Logger: log}
	return s, startServer(t, s), sink
}

func TestGitHubDeliveries(t *testing.T) {
	store := newFakeStore(githubHook())
	_, base, logs := newTestServer(t, store)
	url := base + "/hooks/" + testNS + "/app"
	c := &http.Client{}
	body := githubPush("refs/heads/main", sha(1), "migrations/V1__init.sql")
	post := func(body []byte, delivery, event string, sign func(*http.Request)) answer {
		req := newRequest(t, url, body)
		signGitHub(req, testSecret, body, delivery, event)
		if sign != nil {
			sign(req)
		}
		return do(t, c, req)
	}
	first := post(body, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "push", nil)
	if first.status != http.StatusAccepted || first.body.Run != "app-72d3162e-cc78-11e3-81ab-4c9367dc0958" {
		t.Fatalf("first delivery: %+v", first)
	}
	run := store.run(testNS, first.body.Run)
	want := v1.MigrationRunSpec{HookName: "app", ClusterName: "db", Commit: sha(1), Ref: "refs/heads/main",
		Sender: "octocat", DeliveryID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", Event: "push"}
	if run == nil || run.Spec != want || run.Labels[v1.LabelMigrationHook] != "app" {
		t.Fatalf("stored run: %+v", run)
	}
	if again := post(body, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "push", nil); again.status != http.StatusOK ||
		again.body.Run != first.body.Run {
		t.Errorf("redelivery: %+v, want 200 with the same run", again)
	}
	tampered := bytes.Replace(body, []byte(sha(1)), []byte(sha(2)), 1)
	cases := []struct {
		name string
		got  answer
		want int
	}{
		{"tampered body", post(tampered, "d-2", "push", func(r *http.Request) {
			signGitHub(r, testSecret, body, "d-2", "push")
		}), http.StatusUnauthorized},
		{"wrong secret", post(body, "d-3", "push", func(r *http.Request) {
			signGitHub(r, "guess", body, "d-3", "push")
		}), http.StatusUnauthorized},
		{"unsigned", post(body, "d-4", "push", func(r *http.Request) { r.Header.Del("X-Hub-Signature-256") }),
			http.StatusUnauthorized},
		{"ping", post([]byte(`{"zen":"Keep it logically awesome."}`), "d-5", "ping", nil), http.StatusNoContent},
		{"other branch", post(githubPush("refs/heads/dev", sha(6), "migrations/V2__x.sql"), "d-6", "push", nil),
			http.StatusNoContent},
		{"no migration touched", post(githubPush("refs/heads/main", sha(7), "README.md"), "d-7", "push", nil),
			http.StatusNoContent},
		{"branch deleted", post([]byte(`{"ref":"refs/heads/main","after":"`+zeroSHA+`","deleted":true}`), "d-8",
			"push", nil), http.StatusNoContent},
		{"not JSON", post([]byte(`{"ref":`), "d-9", "push", nil), http.StatusBadRequest},
		{"short commit", post(githubPush("refs/heads/main", "abc123", "migrations/V1__x.sql"), "d-10", "push",
			nil), http.StatusBadRequest},
		{"no delivery id", post(body, "", "push", nil), http.StatusBadRequest},
	}
	for _, c := range cases {
		if c.got.status != c.want {
			t.Errorf("%s: %d %+v, want %d", c.name, c.got.status, c.got.body, c.want)
		}
	}
	if n := len(store.runs); n != 1 {
		t.Errorf("%d runs stored, want 1", n)
	}
	if out := logs.String(); strings.Contains(out, testSecret) || strings.Contains(out, "octocat") ||
		strings.Contains(out, "V1__init") || !strings.Contains(out, "d-6") {
		t.Errorf("logs must name deliveries and never hold a secret or a body:\n%s", out)
	}
}

// TestGitHubDocumentedVectorOverHTTP sends GitHub's documented example as GitHub would: the signature is
// accepted (the ping is then filtered out, the push is refused as not JSON), and a changed byte is refused.
func TestGitHubDocumentedVectorOverHTTP(t *testing.T) {
	h := githubHook()
	h.Secret = []byte(githubVectorSecret)
	_, base, _ := newTestServer(t, newFakeStore(h))
	send := func(payload, event string) int {
		req := newRequest(t, base+"/hooks/"+testNS+"/app", []byte(payload))
		req.Header.Set("X-Hub-Signature-256", githubVectorSignature)
		req.Header.Set("X-GitHub-Delivery", "vector")
		req.Header.Set("X-GitHub-Event", event)
		return do(t, http.DefaultClient, req).status
	}
	for _, c := range []struct {
		payload, event string
		want           int
	}{
		{githubVectorPayload, "ping", http.StatusNoContent},
		{githubVectorPayload, "push", http.StatusBadRequest},
		{"Hello, World?", "ping", http.StatusUnauthorized},
	} {
		if got := send(c.payload, c.event); got != c.want {
			t.Errorf("%q %s: %d, want %d", c.payload, c.event, got, c.want)
		}
	}
}

func TestRequestShape(t *testing.T) {
	_, base, _ := newTestServer(t, newFakeStore(githubHook()))
	url := base + "/hooks/" + testNS + "/app"
	get, _ := http.NewRequest(http.MethodGet, url, nil)
	if a := do(t, http.DefaultClient, get); a.status != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", a.status)
	}
	resp, err := http.Get(url)
	if err != nil || resp.Header.Get("Allow") != http.MethodPost {
		t.Errorf("GET's Allow header: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	for _, path := range []string{"/hooks/" + testNS + "/other", "/hooks/other/app", "/hooks/" + testNS,
		"/hooks/" + testNS + "/app/x", "/"} {
		if a := do(t, http.DefaultClient, newRequest(t, base+path, []byte("{}"))); a.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, a.status)
		}
	}
	big := bytes.Repeat([]byte("a"), 1<<20+1)
	req := newRequest(t, url, big)
	signGitHub(req, testSecret, big, "big", "push")
	if a := do(t, http.DefaultClient, req); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("1 MiB + 1: %d", a.status)
	}
	limit := bytes.Repeat([]byte(" "), 1<<20-2)
	limit = append(append([]byte("{"), limit...), '}')
	req = newRequest(t, url, limit)
	signGitHub(req, testSecret, limit, "limit", "push")
	if a := do(t, http.DefaultClient, req); a.status != http.StatusBadRequest {
		t.Errorf("exactly 1 MiB reaches the payload check: %d %+v", a.status, a.body)
	}
}

func TestStoreFailureIs503ThenRedeliveryStores(t *testing.T) {
	store := newFakeStore(githubHook())
	failing := true
	store.fail = func(*v1.MigrationRun) error {
		if failing {
			return errors.New("etcdserver: request timed out")
		}
		return nil
	}
	_, base, _ := newTestServer(t, store)
	body := githubPush("refs/heads/main", sha(1), "migrations/V1__init.sql")
	send := func() answer {
		req := newRequest(t, base+"/hooks/"+testNS+"/app", body)
		signGitHub(req, testSecret, body, "retry-me", "push")
		return do(t, http.DefaultClient, req)
	}
	if a := send(); a.status != http.StatusServiceUnavailable || len(store.runs) != 0 {
		t.Fatalf("store down: %d, %d runs", a.status, len(store.runs))
	}
	failing = false
	if a := send(); a.status != http.StatusAccepted {
		t.Fatalf("redelivery once the store is back: %d", a.status)
	}
}

func TestRateLimitPerHook(t *testing.T) {
	limited := githubHook()
	limited.Spec.RateLimit = v1.HookRateLimit{PerMinute: 1, Burst: 2}
	other := githubHook()
	other.Name = "other"
	_, base, _ := newTestServer(t, newFakeStore(limited, other))
	send := func(hook string, i int) int {
		body := githubPush("refs/heads/main", sha(i), "migrations/V1__init.sql")
		req := newRequest(t, base+"/hooks/"+testNS+"/"+hook, body)
		signGitHub(req, testSecret, body, fmt.Sprint("rl-", i), "push")
		return do(t, http.DefaultClient, req).status
	}
	got := []int{send("app", 1), send("app", 2), send("app", 3), send("other", 4)}
	want := []int{http.StatusAccepted, http.StatusAccepted, http.StatusTooManyRequests, http.StatusAccepted}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("delivery %d: %d, want %d", i+1, got[i], want[i])
		}
	}
}

func TestGitLabDeliveries(t *testing.T) {
	token := Hook{Namespace: testNS, Name: "gl", Secret: []byte(testToken),
		Spec: v1.MigrationHookSpec{ClusterName: "db", Provider: v1.ProviderGitLab}}
	signing := token
	signing.Name, signing.Secret = "gls", []byte(standardVectorSecret)
	store := newFakeStore(token, signing)
	_, base, _ := newTestServer(t, store)
	body := gitlabPush("refs/heads/main", sha(3), "db/V1__a.sql")
	withToken := func(tok, key string) int {
		req := newRequest(t, base+"/hooks/"+testNS+"/gl", body)
		req.Header.Set("X-Gitlab-Event", "Push Hook")
		req.Header.Set("X-Gitlab-Token", tok)
		req.Header.Set("Idempotency-Key", key)
		return do(t, http.DefaultClient, req).status
	}
	if got := withToken(testToken, "908a6d9e-45fd-46c8-97e6-c4f350f219dd"); got != http.StatusAccepted {
		t.Errorf("token: %d", got)
	}
	if got := withToken(testToken, "908a6d9e-45fd-46c8-97e6-c4f350f219dd"); got != http.StatusOK {
		t.Errorf("retry with the same Idempotency-Key: %d", got)
	}
	if got := withToken(testToken+"x", "k2"); got != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", got)
	}
	signed := func(at time.Time, id string) int {
		req := newRequest(t, base+"/hooks/"+testNS+"/gls", body)
		req.Header.Set("X-Gitlab-Event", "Push Hook")
		signStandard(req, standardVectorSecret, body, id, at)
		return do(t, http.DefaultClient, req).status
	}
	if got := signed(time.Now(), "msg_2Kd9"); got != http.StatusAccepted {
		t.Errorf("signing token: %d", got)
	}
	if got := signed(time.Now().Add(-10*time.Minute), "msg_old"); got != http.StatusUnauthorized {
		t.Errorf("signing token, 10 minutes old: %d", got)
	}
	if run := store.run(testNS, v1.MigrationRunName("gls", "msg_2Kd9")); run == nil || run.Spec.Sender != "jsmith" {
		t.Errorf("run of the signed delivery: %+v", run)
	}
}

func TestGenericStandardWebhooks(t *testing.T) {
	h := Hook{Namespace: testNS, Name: "gen", Secret: []byte(standardVectorSecret),
		Spec: v1.MigrationHookSpec{ClusterName: "db", Provider: v1.ProviderGeneric}}
	s := &Server{Store: newFakeStore(h), Now: func() time.Time { return time.Unix(1614265330, 0) }}
	base := startServer(t, s)
	vector := func() *http.Request {
		req := newRequest(t, base+"/hooks/"+testNS+"/gen", []byte(standardVectorPayload))
		req.Header.Set("Webhook-Id", standardVectorID)
		req.Header.Set("Webhook-Timestamp", standardVectorTimestamp)
		req.Header.Set("Webhook-Signature", standardVectorSignature)
		return req
	}
	// The spec's vector is authentic but its payload is no push: 400, not 401.
	if a := do(t, http.DefaultClient, vector()); a.status != http.StatusBadRequest {
		t.Errorf("spec vector: %d %+v", a.status, a.body)
	}
	s.Now = func() time.Time { return time.Unix(1614265330+301, 0) }
	if a := do(t, http.DefaultClient, vector()); a.status != http.StatusUnauthorized {
		t.Errorf("spec vector 5m01s later: %d", a.status)
	}
	s.Now = time.Now
	body := []byte(`{"event":"push","ref":"refs/heads/main","commit":"` + sha(9) + `","sender":"ci"}`)
	send := func(id string) int {
		req := newRequest(t, base+"/hooks/"+testNS+"/gen", body)
		signStandard(req, standardVectorSecret, body, id, time.Now())
		return do(t, http.DefaultClient, req).status
	}
	if a, b := send("msg_A"), send("msg_A"); a != http.StatusAccepted || b != http.StatusOK {
		t.Errorf("generic delivery and replay: %d %d", a, b)
	}
	if got := send("msg_a"); got != http.StatusAccepted {
		t.Errorf("an id differing only in case is another delivery: %d", got)
	}
}
