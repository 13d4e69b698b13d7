package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "orca")
	if err := os.WriteFile(bin, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	images, err := parseImages([]string{"orca:dev=" + bin})
	if err != nil || images["orca:dev"].Binary != bin {
		t.Fatalf("images %v %v", images, err)
	}
	for _, bad := range [][]string{nil, {"orca:dev"}, {"=x"}, {"orca:dev=/no/such/file"}} {
		if _, err := parseImages(bad); err == nil {
			t.Errorf("images %q accepted", bad)
		}
	}
	rules, err := parseProxies([]string{"default/mycluster:6446,6447", "ns/svc"}, "127.0.0.1")
	if err != nil || len(rules) != 2 || rules[0].Service != "mycluster" || len(rules[0].Ports) != 2 ||
		rules[0].Ports[1] != 6447 || rules[1].Namespace != "ns" || len(rules[1].Ports) != 0 {
		t.Fatalf("rules %+v %v", rules, err)
	}
	for _, bad := range []string{"mycluster:6446", "default/x:0", "default/x:abc", "/x"} {
		if _, err := parseProxies([]string{bad}, "127.0.0.1"); err == nil {
			t.Errorf("proxy %q accepted", bad)
		}
	}
}

func TestRunNeedsAKubeconfigAndAnImage(t *testing.T) {
	if err := run(context.Background(), settings{}, os.Stdout); err == nil ||
		!strings.Contains(err.Error(), "kubeconfig") {
		t.Fatalf("without a kubeconfig: %v", err)
	}
	if err := run(context.Background(), settings{kubeconfig: "x"}, os.Stdout); err == nil ||
		!strings.Contains(err.Error(), "--image") {
		t.Fatalf("without an image: %v", err)
	}
}
