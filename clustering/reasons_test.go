package clustering

import (
	"os"
	"strings"
	"testing"

	"github.com/orca-operator/orca/topology"
)

// Every topology state and reason maps to a typed API value, and every reason is explained in
// docs/operations.md: users read them in the status.
func TestAPIMappingsAreExhaustive(t *testing.T) {
	for _, s := range topology.ClusterStates() {
		if _, ok := apiStates[s]; !ok {
			t.Errorf("topology state %s has no API state", s)
		}
	}
	ops, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range topology.Reasons() {
		ar, ok := apiReasons[r]
		if !ok {
			t.Errorf("topology reason %s has no API reason", r)
			continue
		}
		if !strings.Contains(string(ops), "`"+string(ar)+"`") {
			t.Errorf("reason %s is not explained in docs/operations.md", ar)
		}
	}
	if len(apiStates) != len(topology.ClusterStates()) || len(apiReasons) != len(topology.Reasons()) {
		t.Errorf("the maps hold values topology does not list: %d states, %d reasons", len(apiStates), len(apiReasons))
	}
}
