package main

import (
	"io"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	cmd, cfg, err := parseArgs([]string{"up", "--no-addons", "--nodes", "2", "--exec", "sim=go run ./test/mysqlsim",
		"--operator-cmd", "go run ./cmd/orca operator", "--state", "/tmp/x"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cmd != "up" || cfg.nodes != 2 || cfg.volumes != 24 || cfg.stateDir != "/tmp/x" || !cfg.noAddons {
		t.Errorf("got %q %+v", cmd, cfg)
	}
	if len(cfg.execs) != 2 || cfg.execs[0].name != "sim" || cfg.execs[1].name != "operator" ||
		cfg.execs[1].command != "go run ./cmd/orca operator" {
		t.Errorf("execs %+v", cfg.execs)
	}
	for _, bad := range [][]string{
		{},
		{"up", "--exec", "no-equals"},
		{"up", "--exec", "a/b=true"},
		{"up", "--exec", "x= "},
		{"down", "--nodes", "3"}, // up-only flag
		{"status", "extra"},
	} {
		if _, _, err := parseArgs(bad, io.Discard); err == nil {
			t.Errorf("parseArgs(%q) accepted", strings.Join(bad, " "))
		}
	}
}

func TestStateDirFromEnvironment(t *testing.T) {
	t.Setenv("ORCA_PLAYGROUND_DIR", "/tmp/elsewhere")
	if got := defaultStateDir(); got != "/tmp/elsewhere" {
		t.Errorf("state dir %q", got)
	}
}
