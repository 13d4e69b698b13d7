package hooks

import (
	"errors"
	"testing"
)

// FuzzPayloads feeds arbitrary bytes, as a signed delivery's body, to the three payload parsers. Each either
// refuses the body as malformed or returns a push a run can hold: a deletion, or a full lowercase SHA with a
// ref and sender within the run's limits.
func FuzzPayloads(f *testing.F) {
	// Seeds in testdata/fuzz/FuzzPayloads: GitHub and GitLab pushes, tag pushes, deletions, a generic push,
	// a ping, truncated JSON, wrong types, uppercase and short SHAs.
	f.Add(githubPush("refs/heads/main", sha(1), "migrations/V1__init.sql"))
	f.Add(gitlabPush("refs/tags/v1", sha(2), "db/V2__b.sql"))
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(name string, p Push, err error) {
			if err != nil {
				if !errors.Is(err, errMalformed) {
					t.Fatalf("%s: error %v is not errMalformed", name, err)
				}
				return
			}
			if !p.Deleted && !commitSHA.MatchString(p.Commit) {
				t.Fatalf("%s: accepted commit %q", name, p.Commit)
			}
			if !p.Deleted && (len(p.Ref) > 255 || len(p.Sender) > 255) {
				t.Fatalf("%s: accepted a ref of %d or sender of %d bytes", name, len(p.Ref), len(p.Sender))
			}
		}
		p, err := parseGitHubPush(body)
		check("github", p, err)
		p, err = parseGitLabPush(body)
		check("gitlab", p, err)
		p, _, err = parseGenericPush(body)
		check("generic", p, err)
	})
}
