package version

import (
	"strings"
	"testing"
)

func TestStringNamesVersionRevisionAndGo(t *testing.T) {
	got := Info{Version: "v1.2.3", Revision: "abc123", Modified: true, GoVersion: "go1.26.8"}.String()
	if got != "orca v1.2.3 (abc123-dirty, go1.26.8)" {
		t.Fatalf("String() = %q", got)
	}
	if s := (Info{Version: "dev", GoVersion: "go1"}).String(); !strings.Contains(s, "unknown revision") {
		t.Fatalf("String() without a revision = %q", s)
	}
}

func TestGetCarriesTheLinkedVersion(t *testing.T) {
	old := Version
	t.Cleanup(func() { Version = old })
	Version = "v9.9.9"
	if g := Get(); g.Version != "v9.9.9" || g.GoVersion == "" {
		t.Fatalf("Get() = %+v", g)
	}
}
