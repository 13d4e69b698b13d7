package mycnftest

import (
	"strings"
	"testing"
)

func TestSpellingsNameTheOptionEveryWay(t *testing.T) {
	got := strings.Join(append(Spellings("server_id"), Modified("server_id")...), "\n")
	for _, want := range []string{"server_id=1", "server-id=1", "SERVER_ID = 1", "loose-server-id", "LOOSE-SERVER-ID",
		"skip-server-id", "DISABLE_SERVER_ID", "loose-skip-server-id", "server_id\r"} {
		if !strings.Contains(got, want) {
			t.Errorf("spellings lack %q:\n%s", want, got)
		}
	}
}
