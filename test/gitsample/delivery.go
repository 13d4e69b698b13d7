package gitsample

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Delivery is one webhook delivery as GitHub sends it: a push event, signed with the hook's secret.
type Delivery struct {
	// URL is the receiver's, http://<host>/hooks/<namespace>/<hook>.
	URL string
	// ID is the X-GitHub-Delivery header: the run's name comes from it.
	ID string
	// Body is the payload, signed byte for byte.
	Body []byte
	// Signature is X-Hub-Signature-256: "sha256=" and the hex HMAC-SHA256 of Body with the secret.
	Signature string
}

// GitHubPush is the delivery of a push of repo's commit to main by sender, as GitHub's push event has it (the
// fields Orca reads and a few more, so it reads like one).
func GitHubPush(url, id, secret, sender string, repo *Repo) (Delivery, error) {
	payload := map[string]any{
		"ref": "refs/heads/main", "before": strings.Repeat("0", 40), "after": repo.Commit,
		"created": true, "deleted": false, "forced": false,
		"repository": map[string]any{"name": "shop", "full_name": sender + "/shop", "default_branch": "main"},
		"pusher":     map[string]any{"name": sender},
		"sender":     map[string]any{"login": sender},
		"head_commit": map[string]any{"id": repo.Commit, "message": "the shop's schema", "added": repo.Files,
			"removed": []string{}, "modified": []string{}},
		"commits": []any{map[string]any{"id": repo.Commit, "message": "the shop's schema", "added": repo.Files,
			"removed": []string{}, "modified": []string{}}},
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return Delivery{}, fmt.Errorf("encode the push: %w", err)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return Delivery{URL: url, ID: id, Body: body, Signature: "sha256=" + hex.EncodeToString(mac.Sum(nil))}, nil
}

// headers are the delivery's headers, in the order Curl prints them.
func (d Delivery) headers() [][2]string {
	return [][2]string{{"Content-Type", "application/json"}, {"User-Agent", "GitHub-Hookshot/orca-sample"},
		{"X-GitHub-Event", "push"}, {"X-GitHub-Delivery", d.ID}, {"X-Hub-Signature-256", d.Signature}}
}

// Request is the delivery as an HTTP request.
func (d Delivery) Request(ctx context.Context) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return nil, fmt.Errorf("build the delivery: %w", err)
	}
	for _, h := range d.headers() {
		req.Header.Set(h[0], h[1])
	}
	return req, nil
}

// Curl is the shell command that sends the same request, the body read from bodyFile (which must hold Body
// exactly: the signature covers every byte).
func (d Delivery) Curl(bodyFile string) string {
	var b strings.Builder
	b.WriteString("curl -sS -i -X POST " + d.URL)
	for _, h := range d.headers() {
		fmt.Fprintf(&b, " -H '%s: %s'", h[0], h[1])
	}
	b.WriteString(" --data-binary @" + bodyFile)
	return b.String()
}
