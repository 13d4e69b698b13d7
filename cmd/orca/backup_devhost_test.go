package main

import "testing"

func TestDevPodLoopback(t *testing.T) {
	for _, tc := range []struct {
		bind, host string
		want       string
		ok         bool
	}{
		{"127.0.150.9", "127.0.0.1", "127.0.150.9", true},
		{"127.0.150.9", "localhost", "127.0.150.9", true},
		{"127.0.150.9", "db-0.db-instances.ns.svc.cluster.local", "", false},
		{"", "127.0.0.1", "", false},
		{"10.0.0.5", "127.0.0.1", "", false}, // never a pod IP
	} {
		t.Setenv(envDevBindAddress, tc.bind)
		if got, ok := devPodLoopback(tc.host); got != tc.want || ok != tc.ok {
			t.Errorf("bind %q host %q: %q %v, want %q %v", tc.bind, tc.host, got, ok, tc.want, tc.ok)
		}
	}
}
