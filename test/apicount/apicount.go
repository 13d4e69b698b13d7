// Package apicount counts the requests a client makes to the API server, by verb and resource, from inside its
// rest.Config's transport: it sees the manager's client, the caches, the event broadcaster and leader election.
package apicount

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Access is one request as RBAC sees it: an API group, a resource (with its subresource, "pods/status") and a
// verb.
type Access struct{ Group, Resource, Verb string }

func (a Access) String() string {
	g := a.Group
	if g == "" {
		g = "core"
	}
	return fmt.Sprintf("%s %s/%s", a.Verb, g, a.Resource)
}

// Write reports whether the verb changes something on the API server.
func (a Access) Write() bool {
	switch a.Verb {
	case "get", "list", "watch":
		return false
	}
	return true
}

// Parse maps a request to the access it needs, as the API server's request info does:
// /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]] and /apis/GROUP/VERSION/... ; false for non-resource paths
// (discovery, /version).
func Parse(req *http.Request) (Access, bool) {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var a Access
	var rest []string
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		rest = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		a.Group, rest = parts[1], parts[3:]
	default:
		return a, false
	}
	if len(rest) >= 3 && rest[0] == "namespaces" {
		rest = rest[2:]
	}
	if len(rest) == 0 {
		return a, false
	}
	a.Resource = rest[0]
	name := ""
	if len(rest) > 1 {
		name = rest[1]
	}
	if len(rest) > 2 {
		a.Resource += "/" + rest[2]
	}
	a.Verb = verbOf(req, name)
	return a, true
}

func verbOf(req *http.Request, name string) string {
	switch req.Method {
	case http.MethodGet:
		if w := req.URL.Query().Get("watch"); w == "true" || w == "1" {
			return "watch"
		}
		if name == "" {
			return "list"
		}
		return "get"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if name == "" {
			return "deletecollection"
		}
		return "delete"
	}
	return strings.ToLower(req.Method)
}

// Counter counts every resource request sent through the transports it wraps.
type Counter struct {
	mu     sync.Mutex
	counts map[Access]int
}

// Wrap is a rest.Config WrapTransport.
func (c *Counter) Wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		if a, ok := Parse(req); ok {
			c.mu.Lock()
			if c.counts == nil {
				c.counts = map[Access]int{}
			}
			c.counts[a]++
			c.mu.Unlock()
		}
		return next.RoundTrip(req)
	})
}

// Counts returns the requests counted so far.
func (c *Counter) Counts() map[Access]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[Access]int, len(c.counts))
	for a, n := range c.counts {
		out[a] = n
	}
	return out
}

// Since returns the requests counted since the earlier Counts.
func (c *Counter) Since(before map[Access]int) map[Access]int {
	out := map[Access]int{}
	for a, n := range c.Counts() {
		if d := n - before[a]; d > 0 {
			out[a] = d
		}
	}
	return out
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
