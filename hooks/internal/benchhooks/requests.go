package main

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"k8s.io/client-go/rest"
)

// requests counts the API requests of one side's clients (its receiver and its controllers), by verb and
// resource, so the report can say how many each delivery cost.
type requests struct {
	mu sync.Mutex
	n  map[string]int
}

// config is cfg with every request counted.
func (q *requests) config(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			q.add(r.Method + " " + resource(r.URL.Path))
			return rt.RoundTrip(r)
		})
	})
	return c
}

func (q *requests) add(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.n == nil {
		q.n = map[string]int{}
	}
	q.n[key]++
}

// take returns the counts so far and starts again.
func (q *requests) take() map[string]int {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.n
	q.n = nil
	return out
}

// resource is an API path without its namespace and object name: /api/v1/namespaces/x/secrets/y -> secrets.
func resource(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "namespaces" && i+2 < len(parts) {
			rest := parts[i+2:]
			if len(rest) == 3 { // <resource>/<name>/<subresource>
				return rest[0] + "/" + rest[2]
			}
			return rest[0]
		}
	}
	return parts[len(parts)-1]
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// perDelivery prints the requests counted over n deliveries, per delivery, largest first.
func perDelivery(who string, counts map[string]int, n int) {
	total := 0
	for _, c := range counts {
		total += c
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int { return counts[b] - counts[a] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.2f", k, float64(counts[k])/float64(n)))
	}
	fmt.Printf("API requests per delivery, %s: %.2f (%s)\n", who, float64(total)/float64(max(n, 1)),
		strings.Join(parts, ", "))
}
