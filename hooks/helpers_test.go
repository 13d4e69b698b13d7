package hooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// fakeStore keeps hooks and runs in memory; fail, when set, decides which creations fail.
type fakeStore struct {
	mu    sync.Mutex
	hooks map[string]Hook
	runs  map[string]*v1.MigrationRun
	fail  func(run *v1.MigrationRun) error
	// rereads counts the calls to Reread.
	rereads int
}

func newFakeStore(hooks ...Hook) *fakeStore {
	f := &fakeStore{hooks: map[string]Hook{}, runs: map[string]*v1.MigrationRun{}}
	for _, h := range hooks {
		f.hooks[h.Namespace+"/"+h.Name] = h
	}
	return f
}

func (f *fakeStore) Hook(_ context.Context, ns, name string) (Hook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.hooks[ns+"/"+name]
	if !ok {
		return Hook{}, ErrHookNotFound
	}
	return h, nil
}

func (f *fakeStore) CreateRun(_ context.Context, run *v1.MigrationRun) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		if err := f.fail(run); err != nil {
			return false, err
		}
	}
	key := run.Namespace + "/" + run.Name
	if _, ok := f.runs[key]; ok {
		return false, nil
	}
	f.runs[key] = run.DeepCopy()
	return true, nil
}

// Reread returns the hook as the store holds it now: changed when its secret's version moved on.
func (f *fakeStore) Reread(_ context.Context, h Hook) (Hook, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rereads++
	cur := f.hooks[h.Namespace+"/"+h.Name]
	return cur, cur.SecretVersion != h.SecretVersion, nil
}

func (f *fakeStore) run(ns, name string) *v1.MigrationRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs[ns+"/"+name]
}

// startServer serves s on 127.0.0.1:0 and returns its base URL; it shuts down with the test.
func startServer(t *testing.T, s *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	started := make(chan struct{})
	s.NotifyStartedFunc = func() { close(started) }
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	<-started
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return "http://" + l.Addr().String()
}

// githubPush is a push event body as GitHub sends it (the fields Orca reads, and some it does not).
func githubPush(ref, after string, files ...string) []byte {
	b, _ := json.Marshal(map[string]any{
		"ref": ref, "before": zeroSHA, "after": after, "created": false, "deleted": false,
		"repository": map[string]any{"full_name": "acme/app"},
		"sender":     map[string]any{"login": "octocat", "id": 1},
		"commits":    []map[string]any{{"id": after, "added": files, "modified": []string{}, "removed": []string{}}},
	})
	return b
}

// gitlabPush is a push event body as GitLab sends it.
func gitlabPush(ref, after string, files ...string) []byte {
	b, _ := json.Marshal(map[string]any{
		"object_kind": "push", "event_name": "push", "before": zeroSHA, "after": after, "ref": ref,
		"checkout_sha": after, "user_username": "jsmith",
		"commits": []map[string]any{{"id": after, "added": files, "modified": []string{}, "removed": []string{}}},
	})
	return b
}

// signGitHub sets the headers GitHub sends: X-Hub-Signature-256 over the body, the delivery and the event.
func signGitHub(req *http.Request, secret string, body []byte, delivery, event string) {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	req.Header.Set("X-GitHub-Delivery", delivery)
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/044aadd")
}

// signStandard sets Standard Webhooks headers signed with a whsec_ secret at ts.
func signStandard(req *http.Request, secret string, body []byte, id string, ts time.Time) {
	key, err := standardKey([]byte(secret))
	if err != nil {
		panic(err)
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%s.", id, stamp)
	m.Write(body)
	req.Header.Set("Webhook-Id", id)
	req.Header.Set("Webhook-Timestamp", stamp)
	req.Header.Set("Webhook-Signature", "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

func newRequest(t testing.TB, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	return req
}

type answer struct {
	status int
	body   reply
}

func do(t testing.TB, c *http.Client, req *http.Request) answer {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	var r reply
	_ = json.Unmarshal(raw, &r)
	return answer{status: resp.StatusCode, body: r}
}

func sha(n int) string { return fmt.Sprintf("%040x", n) }
