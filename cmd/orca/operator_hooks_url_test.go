package main

import "testing"

func TestHooksExternalURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.example.com":           "https://hooks.example.com",
		"https://hooks.example.com/":          "https://hooks.example.com",
		"http://127.0.0.1:8082":               "http://127.0.0.1:8082",
		"https://git.example.com/orca-hooks/": "https://git.example.com/orca-hooks",
	} {
		var got string
		if err := (externalURL{&got}).Set(in); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "hooks.example.com", "ftp://hooks.example.com", "https://",
		"https://u:p@hooks.example.com", "https://hooks.example.com/?a=1", "https://hooks.example.com/#x",
		"https://hooks.example.com?"} {
		var got string
		if err := (externalURL{&got}).Set(bad); err == nil {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}
