package kubectlorca

import (
	"bytes"
	"strings"
	"testing"
)

func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{"bash": "__start_kubectl-orca", "zsh": "#compdef kubectl-orca",
		"fish": "complete -c kubectl-orca"} {
		var out bytes.Buffer
		cmd := NewCommand(&out, &out)
		cmd.SetArgs([]string{"completion", shell})
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%s: %v", shell, err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("%s script lacks %q", shell, want)
		}
	}
	cmd := NewCommand(&bytes.Buffer{}, &bytes.Buffer{})
	cmd.SetArgs([]string{"completion", "powershell"})
	if err := cmd.Execute(); err == nil {
		t.Error("powershell was accepted")
	}
}
