package helm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// charts/orca's values.yaml and values.schema.json describe the same keys: every key of values.yaml has a schema
// (an undocumented key would be refused by the strict schema) and every key the schema lists has a default in
// values.yaml (so values.yaml stays the chart's reference). Under resources the schema's quantities may be left
// out. The defaults' agreement with the binary's flag defaults is TestChartAgreesWithKustomizeAndTheBinary's.
func TestOperatorValuesAndSchemaListTheSameKeys(t *testing.T) {
	var values map[string]any
	b, err := os.ReadFile(filepath.Join(chartDir("orca"), "values.yaml"))
	if err == nil {
		err = yaml.Unmarshal(b, &values)
	}
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if b, err = os.ReadFile(filepath.Join(chartDir("orca"), "values.schema.json")); err == nil {
		err = json.Unmarshal(b, &schema)
	}
	if err != nil {
		t.Fatal(err)
	}
	defs, _ := schema["definitions"].(map[string]any)
	var problems []string
	compareKeys("", values, schema, defs, &problems)
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// compareKeys walks an object of values and its schema together.
func compareKeys(path string, values map[string]any, schema, defs map[string]any, problems *[]string) {
	schema = resolve(schema, defs)
	props, _ := schema["properties"].(map[string]any)
	if props == nil {
		return // a free-form map (labels, annotations, affinity)
	}
	for k, v := range values {
		sub, ok := props[k].(map[string]any)
		if !ok {
			*problems = append(*problems, "values.yaml has "+path+k+", which values.schema.json does not list")
			continue
		}
		if m, isMap := v.(map[string]any); isMap {
			compareKeys(path+k+".", m, sub, defs, problems)
		}
	}
	for k := range props {
		if _, ok := values[k]; !ok && !strings.HasPrefix(path, "resources.") {
			*problems = append(*problems, "values.schema.json lists "+path+k+", which values.yaml has no default for")
		}
	}
}

func resolve(schema, defs map[string]any) map[string]any {
	if ref, ok := schema["$ref"].(string); ok {
		if def, ok := defs[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any); ok {
			return def
		}
	}
	return schema
}
