package clustering

import (
	"os"
	"regexp"
	"testing"
)

// Every reason topology can report must be a typed, documented API reason: users read them in conditions.
func TestTopologyReasonsAreAPIReasons(t *testing.T) {
	topo, err := os.ReadFile("../topology/decision.go")
	if err != nil {
		t.Fatal(err)
	}
	api, err := os.ReadFile("../api/v1alpha1/conditions_types.go")
	if err != nil {
		t.Fatal(err)
	}
	ops, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`Reason[A-Za-z]+\s+Reason = "([A-Za-z]+)"`)
	for _, m := range re.FindAllSubmatch(topo, -1) {
		reason := string(m[1])
		if !regexp.MustCompile(`ConditionReason = "` + reason + `"`).Match(api) {
			t.Errorf("topology reason %s is not in api/v1alpha1/conditions_types.go", reason)
		}
		if !regexp.MustCompile("`" + reason + "`").Match(ops) {
			t.Errorf("reason %s is not explained in docs/operations.md", reason)
		}
	}
}
