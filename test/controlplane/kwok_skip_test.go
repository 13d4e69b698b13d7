package controlplane

import (
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// podStageSelectors decodes the pod stages of a kwok config and returns each stage's match expressions by name.
func podStageSelectors(t *testing.T, config []byte) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, doc := range bytes.Split(config, []byte("\n---\n")) {
		var stage struct {
			Metadata struct{ Name string }
			Spec     struct {
				ResourceRef struct{ Kind string } `json:"resourceRef"`
				Selector    struct {
					MatchExpressions []map[string]any `json:"matchExpressions"`
				}
			}
		}
		if err := yaml.Unmarshal(doc, &stage); err != nil {
			t.Fatalf("decode stage: %v\n%s", err, doc)
		}
		if stage.Spec.ResourceRef.Kind == "Pod" {
			out[stage.Metadata.Name] = stage.Spec.Selector.MatchExpressions
		}
	}
	return out
}

// Every pod stage skips pods with a container running one of the process images; without images the stages are
// kwok_pods.yaml as written.
func TestKwokPodStagesSkipProcessImages(t *testing.T) {
	if !bytes.Equal(kwokPodStagesSkipping(nil), kwokPodStages) {
		t.Fatal("without process images the pod stages changed")
	}
	plain := podStageSelectors(t, kwokPodStages)
	skipping := podStageSelectors(t, kwokPodStagesSkipping([]string{"orca:e2e", "ghcr.io/x/orca@sha256:ab"}))
	if len(plain) < 8 || len(skipping) != len(plain) {
		t.Fatalf("pod stages: %d as written, %d skipping", len(plain), len(skipping))
	}
	for name, exprs := range skipping {
		if len(exprs) != len(plain[name])+1 {
			t.Errorf("stage %s: %d requirements, want %d", name, len(exprs), len(plain[name])+1)
			continue
		}
		skip := exprs[0]
		values, _ := skip["values"].([]any)
		if skip["key"] != ".spec.containers[].image" || skip["operator"] != "NotIn" || len(values) != 2 ||
			values[0] != "orca:e2e" || values[1] != "ghcr.io/x/orca@sha256:ab" {
			t.Errorf("stage %s: first requirement %v", name, skip)
		}
	}
	if !strings.Contains(string(kwokPodStages), "    matchExpressions:\n") {
		t.Fatal("kwok_pods.yaml lost the matchExpressions lines the requirement is added after")
	}
}
