package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/orca-operator/orca/test/gitsample"
)

// The notes print the curl of the signed push to the receiver on 127.0.0.1:8082 with the body file, the sample
// repository's git:// URL, how to watch the run and check the tables, and the SQL to run by hand when the
// account could not be made.
func TestMigrationNotesPrintTheSignedCurl(t *testing.T) {
	samples, err := loadSamples(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	c := firstRouted(samples)
	repo := &gitsample.Repo{Commit: strings.Repeat("c", 40), Files: []string{"migrations/V1__a.sql"}}
	d, err := gitsample.GitHubPush("http://"+playgroundHooks+"/hooks/default/shop", "id-1", "s", "playground", repo)
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(migrationNotes(c, d, "/state/push.json", nil), "\n")
	for _, want := range []string{"curl -sS -i -X POST http://127.0.0.1:8082/hooks/default/shop",
		"X-Hub-Signature-256: " + d.Signature, "--data-binary @/state/push.json", "git://127.0.0.1:9418/shop",
		"kubectl get migrationruns -w", "-P 6446 -u migrator"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "CREATE USER") {
		t.Errorf("the account's SQL is printed though it was created:\n%s", notes)
	}
	failed := strings.Join(migrationNotes(c, d, "/state/push.json", errors.New("router down")), "\n")
	if !strings.Contains(failed, "router down") || !strings.Contains(failed, "GRANT ALL ON shop.* TO 'migrator'@'%'") {
		t.Errorf("without the account the notes say how to make it:\n%s", failed)
	}
}
