package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

var (
	// errUnsigned means the signature header the provider sends is missing.
	errUnsigned = errors.New("no signature")
	// errSignature means the signature does not match the body and the hook's secret.
	errSignature = errors.New("signature does not match")
	// errStale means a Standard Webhooks timestamp is outside the tolerance window (a replay, or a skewed clock).
	errStale = errors.New("timestamp outside the tolerance window")
)

// StandardTolerance is how far a Standard Webhooks timestamp may be from the receiver's clock.
const StandardTolerance = 5 * time.Minute

// verifyGitHub checks X-Hub-Signature-256: "sha256=" and the hex HMAC-SHA256 of the raw body keyed with the secret.
func verifyGitHub(secret, body []byte, header string) error {
	if header == "" {
		return errUnsigned
	}
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return errSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return errSignature
	}
	if !hmac.Equal(got, mac(secret, body)) {
		return errSignature
	}
	return nil
}

// verifyToken checks a shared token (GitLab's X-Gitlab-Token). Both sides are hashed first so the comparison
// takes the same time whatever the token's length.
func verifyToken(secret []byte, token string) error {
	if token == "" {
		return errUnsigned
	}
	want, got := sha256.Sum256(secret), sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(want[:], got[:]) != 1 {
		return errSignature
	}
	return nil
}

// standardHeaders are a Standard Webhooks delivery's webhook-id, webhook-timestamp and webhook-signature.
type standardHeaders struct{ id, timestamp, signature string }

// verifyStandard checks a Standard Webhooks signature: one of the space-separated "v1,<base64>" entries must be
// the HMAC-SHA256 of "<id>.<timestamp>.<body>", keyed with the secret (whsec_ secrets are base64 after the
// prefix), and the timestamp (Unix seconds) within StandardTolerance of now.
func verifyStandard(secret []byte, h standardHeaders, body []byte, now time.Time) error {
	if h.id == "" || h.timestamp == "" || h.signature == "" {
		return errUnsigned
	}
	ts, err := strconv.ParseInt(h.timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp %q: %w", h.timestamp, errSignature)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > StandardTolerance || d < -StandardTolerance {
		return errStale
	}
	key, err := standardKey(secret)
	if err != nil {
		return err
	}
	want := mac(key, []byte(h.id+"."+h.timestamp+"."), body)
	for entry := range strings.FieldsSeq(h.signature) {
		b64, ok := strings.CutPrefix(entry, "v1,")
		if !ok {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errSignature
}

// standardKey is the HMAC key of a Standard Webhooks secret: the base64 after "whsec_", or the secret as it is.
func standardKey(secret []byte) ([]byte, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(string(secret)), "whsec_")
	if !ok {
		return secret, nil
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("the hook's whsec_ secret is not base64: %w", errSignature)
	}
	return key, nil
}

func mac(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}
