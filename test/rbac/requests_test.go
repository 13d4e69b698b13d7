package rbac

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/orca-operator/orca/test/apicount"
)

// access is one RBAC permission: an API group, a resource (with its subresource, "pods/status") and a verb.
type access struct{ group, resource, verb string }

func (a access) String() string {
	g := a.group
	if g == "" {
		g = "core"
	}
	return fmt.Sprintf("%s %s/%s", a.verb, g, a.resource)
}

// requestLog records every request the operator makes through its rest.Config: the permissions it used and
// every request RBAC refused. It sits in the transport, so it sees the manager's client, the caches, the event
// broadcaster and leader election alike.
type requestLog struct {
	mu     sync.Mutex
	used   map[access]int
	denied []string
}

func newRequestLog() *requestLog { return &requestLog{used: map[access]int{}} }

// wrap is a rest.Config WrapTransport.
func (l *requestLog) wrap(next http.RoundTripper) http.RoundTripper {
	return loggingTransport{next: next, log: l}
}

func (l *requestLog) use(a access) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.used[a]++
}

func (l *requestLog) deny(what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.denied = append(l.denied, what)
}

// Used returns the permissions used so far.
func (l *requestLog) Used() map[access]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[access]int, len(l.used))
	for a, n := range l.used {
		out[a] = n
	}
	return out
}

// Denied returns the refused requests so far.
func (l *requestLog) Denied() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.denied...)
}

type loggingTransport struct {
	next http.RoundTripper
	log  *requestLog
}

// RoundTrip records the request once the API server answered.
func (t loggingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	a, isResource := parseAccess(req)
	if resp.StatusCode == http.StatusForbidden {
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		// Admission can answer 403 too (a volume expansion the storage class does not allow). RBAC's refusal
		// says the user "cannot" use the verb; admission runs after authorization, so the verb was granted.
		if strings.Contains(string(body), " cannot ") {
			t.log.deny(fmt.Sprintf("%s %s: %s", req.Method, req.URL.RequestURI(), printable(body)))
			return resp, nil
		}
	}
	if isResource {
		t.log.use(a)
		// A server-side apply that creates the object is authorized as create as well.
		if req.Method == http.MethodPatch && resp.StatusCode == http.StatusCreated {
			t.log.use(access{a.group, a.resource, "create"})
		}
	}
	return resp, nil
}

// parseAccess maps a request to the RBAC permission it needs (apicount.Parse); false for non-resource paths.
func parseAccess(req *http.Request) (access, bool) {
	a, ok := apicount.Parse(req)
	return access{a.Group, a.Resource, a.Verb}, ok
}

// printable keeps the text of an answer (JSON, or the strings of a protobuf one).
func printable(body []byte) string {
	text := strings.Map(func(r rune) rune {
		if r < ' ' || r > '~' {
			return ' '
		}
		return r
	}, string(body))
	return strings.Join(strings.Fields(text), " ")
}

func sortedAccesses(m map[access]string) []string {
	out := make([]string, 0, len(m))
	for a, why := range m {
		out = append(out, a.String()+why)
	}
	sort.Strings(out)
	return out
}
