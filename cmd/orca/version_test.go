package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestVersionCommandPrintsTheVersion(t *testing.T) {
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"version"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "orca dev (") {
		t.Fatalf("orca version printed %q", out.String())
	}
}
