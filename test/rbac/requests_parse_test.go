package rbac

import (
	"net/http"
	"net/url"
	"testing"
)

func TestParseAccess(t *testing.T) {
	tests := []struct {
		method, uri string
		want        access
	}{
		{"GET", "/api/v1/namespaces/ns/secrets/db-internal", access{"", "secrets", "get"}},
		{"GET", "/api/v1/secrets?labelSelector=x&limit=500", access{"", "secrets", "list"}},
		{"GET", "/api/v1/pods?watch=true&resourceVersion=7", access{"", "pods", "watch"}},
		{"PATCH", "/api/v1/namespaces/ns/pods/db-0/status", access{"", "pods/status", "patch"}},
		{"PUT", "/apis/mysql.orca.dev/v1alpha1/namespaces/ns/innodbclusters/db/status",
			access{"mysql.orca.dev", "innodbclusters/status", "update"}},
		{"POST", "/apis/events.k8s.io/v1/namespaces/ns/events", access{"events.k8s.io", "events", "create"}},
		{"DELETE", "/api/v1/namespaces/ns/persistentvolumeclaims/datadir-db-0",
			access{"", "persistentvolumeclaims", "delete"}},
		{"GET", "/apis/coordination.k8s.io/v1/namespaces/orca-system/leases/x",
			access{"coordination.k8s.io", "leases", "get"}},
		{"GET", "/api/v1/namespaces/ns", access{"", "namespaces", "get"}},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.uri)
		got, ok := parseAccess(&http.Request{Method: tt.method, URL: u})
		if !ok || got != tt.want {
			t.Errorf("%s %s: %v %v, want %v", tt.method, tt.uri, got, ok, tt.want)
		}
	}
	for _, uri := range []string{"/api", "/apis", "/apis/apps/v1", "/version", "/openapi/v3"} {
		u, _ := url.Parse(uri)
		if a, ok := parseAccess(&http.Request{Method: "GET", URL: u}); ok {
			t.Errorf("%s parsed as %v", uri, a)
		}
	}
}
