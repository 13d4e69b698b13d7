package hooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// errMalformed means a signed delivery's payload cannot be read as a push (answered 400).
var errMalformed = errors.New("malformed payload")

// Push is what a run needs from a delivery's payload.
type Push struct {
	// Ref is the pushed ref, refs/heads/<branch> or refs/tags/<tag>.
	Ref string
	// Commit is the full SHA the ref points to after the push, lowercase hex.
	Commit string
	// Sender is who pushed, as the provider names them.
	Sender string
	// Files are the paths the push's commits added, modified or removed, as the payload lists them.
	Files []string
	// Deleted is true when the push deleted the ref: there is nothing to migrate.
	Deleted bool
}

var commitSHA = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// zeroSHA is the "after" of a push that deleted its ref.
const zeroSHA = "0000000000000000000000000000000000000000"

type payloadCommit struct {
	Added    []string `json:"added"`
	Modified []string `json:"modified"`
	Removed  []string `json:"removed"`
}

func files(commits []payloadCommit) []string {
	var out []string
	for _, c := range commits {
		out = append(append(append(out, c.Added...), c.Modified...), c.Removed...)
	}
	return out
}

// parseGitHubPush reads a GitHub push event: ref, after, deleted, sender.login and the commits' files.
func parseGitHubPush(body []byte) (Push, error) {
	var p struct {
		Ref     string                 `json:"ref"`
		After   string                 `json:"after"`
		Deleted bool                   `json:"deleted"`
		Sender  struct{ Login string } `json:"sender"`
		Commits []payloadCommit        `json:"commits"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return Push{}, fmt.Errorf("github push is not a JSON push event: %w", errMalformed)
	}
	return checkPush(Push{Ref: p.Ref, Commit: p.After, Sender: p.Sender.Login, Files: files(p.Commits),
		Deleted: p.Deleted || p.After == zeroSHA})
}

// parseGitLabPush reads a GitLab push or tag push event: ref, checkout_sha (after when absent), user_username
// and the commits' files.
func parseGitLabPush(body []byte) (Push, error) {
	var p struct {
		ObjectKind  string          `json:"object_kind"`
		Ref         string          `json:"ref"`
		After       string          `json:"after"`
		CheckoutSHA *string         `json:"checkout_sha"`
		User        string          `json:"user_username"`
		Commits     []payloadCommit `json:"commits"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return Push{}, fmt.Errorf("gitlab push is not a JSON push event: %w", errMalformed)
	}
	if p.ObjectKind != "push" && p.ObjectKind != "tag_push" {
		return Push{}, fmt.Errorf("gitlab object_kind %q is not a push: %w", p.ObjectKind, errMalformed)
	}
	commit := p.After
	if p.CheckoutSHA != nil && *p.CheckoutSHA != "" {
		commit = *p.CheckoutSHA
	}
	return checkPush(Push{Ref: p.Ref, Commit: commit, Sender: p.User, Files: files(p.Commits),
		Deleted: p.After == zeroSHA})
}

// genericPayload is the body a generic (Standard Webhooks) hook reads.
type genericPayload struct {
	Event  string   `json:"event"`
	Ref    string   `json:"ref"`
	Commit string   `json:"commit"`
	Sender string   `json:"sender"`
	Files  []string `json:"files"`
}

// parseGenericPush reads {"event", "ref", "commit", "sender", "files"} and returns the push and its event.
func parseGenericPush(body []byte) (Push, string, error) {
	var p genericPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return Push{}, "", fmt.Errorf("generic push is not a JSON push event: %w", errMalformed)
	}
	push, err := checkPush(Push{Ref: p.Ref, Commit: p.Commit, Sender: p.Sender, Files: p.Files})
	return push, p.Event, err
}

// checkPush lowercases the commit and refuses a push without a full SHA (unless it deleted its ref) or with
// fields longer than the run's spec accepts.
func checkPush(p Push) (Push, error) {
	p.Commit = strings.ToLower(p.Commit)
	if p.Deleted {
		return p, nil
	}
	if !commitSHA.MatchString(p.Commit) {
		return Push{}, fmt.Errorf("the pushed commit is not a full SHA: %w", errMalformed)
	}
	if len(p.Ref) > 255 || len(p.Sender) > 255 {
		return Push{}, fmt.Errorf("ref or sender longer than 255 bytes: %w", errMalformed)
	}
	return p, nil
}
