package specs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/orca-operator/orca/internal/specs/mycnftest"
)

func ownedLines() []string {
	var lines []string
	for _, name := range OwnedOptions {
		lines = append(lines, mycnftest.Spellings(name)...)
		lines = append(lines, mycnftest.Modified(name)...)
	}
	for _, family := range OwnedOptionFamilies {
		for _, name := range []string{family, family + "_bootstrap_group", family + "_valid_donor_list"} {
			lines = append(lines, mycnftest.Spellings(name)...)
		}
	}
	return lines
}

// The pattern (RE2, as CEL evaluates it) and IsOwnedOption agree on every spelling of every owned name and on
// ordinary options.
func TestOwnedOptionPatternRefusesEverySpelling(t *testing.T) {
	re := regexp.MustCompile(OwnedOptionPattern())
	for _, line := range ownedLines() {
		if !re.MatchString("max_connections=10\n" + line + "\ninnodb_buffer_pool_size=1G") {
			t.Errorf("pattern accepts %q", line)
		}
		if !IsOwnedOption(optionName(line)) {
			t.Errorf("IsOwnedOption accepts %q", line)
		}
	}
	for _, line := range mycnftest.Ordinary {
		if re.MatchString(line) {
			t.Errorf("pattern refuses the ordinary line %q", line)
		}
		if name := optionName(line); name != "" && IsOwnedOption(name) {
			t.Errorf("IsOwnedOption refuses the ordinary line %q", line)
		}
	}
}

// The CRD holds the pattern built from OwnedOptions verbatim, in the rule and in the message that names the
// option: the list in Go is the only list.
func TestCRDRuleIsOwnedOptionPattern(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "config", "crd", "bases", "mysql.orca.dev_innodbclusters.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	mycnf := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["mycnf"]
	if len(mycnf.XValidations) != 1 {
		t.Fatalf("mycnf has %d rules, want 1", len(mycnf.XValidations))
	}
	rule := mycnf.XValidations[0]
	quoted := "'" + OwnedOptionPattern() + "'"
	if rule.Rule != "!self.matches("+quoted+")" {
		t.Errorf("the CRD rule is not built from OwnedOptions; put this in the Mycnf marker:\n!self.matches(%s)",
			quoted)
	}
	if !strings.Contains(rule.MessageExpression, "self.find("+quoted+")") {
		t.Errorf("the CRD message does not find the option with the same pattern: %s", rule.MessageExpression)
	}
}
