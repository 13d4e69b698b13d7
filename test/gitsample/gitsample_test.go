package gitsample

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-operator/orca/migrate"
)

func sample(t *testing.T) string {
	t.Helper()
	return filepath.Join("..", "..", "config", "samples", "migrations")
}

// The sample builds into the same commit every time, clones over smart HTTP at that commit with the runner's
// own clone, and its files are the runner's migrations.
func TestSampleBuildsClonesAndLoads(t *testing.T) {
	root := t.TempDir()
	a, err := Build(sample(t), filepath.Join(root, "shop"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(sample(t), filepath.Join(t.TempDir(), "again"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Commit != b.Commit || len(a.Commit) != 40 {
		t.Fatalf("commits %s and %s, want the same full SHA", a.Commit, b.Commit)
	}
	h, err := Handler(root)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "src")
	if err := migrate.Clone(context.Background(), migrate.Source{URL: srv.URL + "/shop", Commit: a.Commit},
		dir); err != nil {
		t.Fatal(err)
	}
	files, err := migrate.Load(os.DirFS(dir), Folder)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(a.Files) || len(files) < 2 || files[0].Version != "1" {
		t.Fatalf("loaded %+v from %v", files, a.Files)
	}
}

// The delivery is signed over its exact body with the secret, names the commit and the files, and the curl
// sends the same headers and the body from a file.
func TestGitHubPushIsSigned(t *testing.T) {
	repo := &Repo{Commit: strings.Repeat("ab", 20), Files: []string{"migrations/V1__a.sql"}}
	d, err := GitHubPush("http://127.0.0.1:8082/hooks/default/shop", "d-1", "s3cret", "ada", repo)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write(d.Body)
	if d.Signature != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
		t.Fatalf("signature %s", d.Signature)
	}
	var p struct {
		Ref, After string
		Sender     struct{ Login string }
		Commits    []struct{ Added []string }
	}
	if err := json.Unmarshal(d.Body, &p); err != nil || p.Ref != "refs/heads/main" || p.After != repo.Commit ||
		p.Sender.Login != "ada" || len(p.Commits) != 1 || p.Commits[0].Added[0] != repo.Files[0] {
		t.Fatalf("payload %+v, %v", p, err)
	}
	req, err := d.Request(context.Background())
	if err != nil || req.Header.Get("X-GitHub-Delivery") != "d-1" || req.Header.Get("X-GitHub-Event") != "push" {
		t.Fatalf("request %+v, %v", req, err)
	}
	curl := d.Curl("/tmp/push.json")
	for _, want := range []string{"-X POST http://127.0.0.1:8082/hooks/default/shop", "'X-Hub-Signature-256: " +
		d.Signature + "'", "--data-binary @/tmp/push.json"} {
		if !strings.Contains(curl, want) {
			t.Fatalf("curl %q lacks %q", curl, want)
		}
	}
}
