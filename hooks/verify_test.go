package hooks

import (
	"errors"
	"testing"
	"time"
)

// GitHub's documented test values (docs.github.com, "Validating webhook deliveries").
const (
	githubVectorSecret    = "It's a Secret to Everybody"
	githubVectorPayload   = "Hello, World!"
	githubVectorSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

// The Standard Webhooks specification's test vector.
const (
	standardVectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	standardVectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	standardVectorTimestamp = "1614265330"
	standardVectorPayload   = `{"test": 2432232314}`
	standardVectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestVerifyGitHubDocumentedVector(t *testing.T) {
	secret, body := []byte(githubVectorSecret), []byte(githubVectorPayload)
	cases := []struct {
		name         string
		secret, body []byte
		header       string
		want         error
	}{
		{"documented", secret, body, githubVectorSignature, nil},
		{"tampered body", secret, []byte("Hello, World?"), githubVectorSignature, errSignature},
		{"wrong secret", []byte("It's a Secret to Nobody"), body, githubVectorSignature, errSignature},
		{"sha1 header", secret, body, "sha1=757107ea0eb2509fc211221cce984b8a37570b6d", errSignature},
		{"not hex", secret, body, "sha256=zz", errSignature},
		{"truncated", secret, body, githubVectorSignature[:40], errSignature},
		{"missing", secret, body, "", errUnsigned},
	}
	for _, c := range cases {
		if err := verifyGitHub(c.secret, c.body, c.header); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestVerifyStandardSpecVector(t *testing.T) {
	signedAt := time.Unix(1614265330, 0)
	h := standardHeaders{standardVectorID, standardVectorTimestamp, standardVectorSignature}
	body := []byte(standardVectorPayload)
	secret := []byte(standardVectorSecret)
	with := func(f func(*standardHeaders)) standardHeaders { c := h; f(&c); return c }
	cases := []struct {
		name string
		h    standardHeaders
		body []byte
		now  time.Time
		want error
	}{
		{"spec vector", h, body, signedAt, nil},
		{"several signatures, one valid", with(func(c *standardHeaders) {
			c.signature = "v1,Ceb1T9vR8TGfN0K/qJt2R0SbBHRgFWtKJpWSBsH0+QM= " + standardVectorSignature
		}), body, signedAt, nil},
		{"4m59s later", h, body, signedAt.Add(4*time.Minute + 59*time.Second), nil},
		{"6 minutes later", h, body, signedAt.Add(6 * time.Minute), errStale},
		{"6 minutes early", h, body, signedAt.Add(-6 * time.Minute), errStale},
		{"tampered body", h, []byte(`{"test": 2432232315}`), signedAt, errSignature},
		{"other id", with(func(c *standardHeaders) { c.id = "msg_other" }), body, signedAt, errSignature},
		{"v2 scheme", with(func(c *standardHeaders) { c.signature = "v2," + standardVectorSignature[3:] }), body,
			signedAt, errSignature},
		{"missing signature", with(func(c *standardHeaders) { c.signature = "" }), body, signedAt, errUnsigned},
		{"timestamp not a number", with(func(c *standardHeaders) { c.timestamp = "soon" }), body, signedAt,
			errSignature},
	}
	for _, c := range cases {
		if err := verifyStandard(secret, c.h, c.body, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	if err := verifyStandard([]byte("whsec_not base64!"), h, body, signedAt); !errors.Is(err, errSignature) {
		t.Errorf("a whsec_ secret that is not base64: got %v", err)
	}
}

func TestVerifyToken(t *testing.T) {
	if err := verifyToken([]byte("s3cret"), "s3cret"); err != nil {
		t.Errorf("same token: %v", err)
	}
	for _, tok := range []string{"s3cre", "s3cret!", "S3cret"} {
		if err := verifyToken([]byte("s3cret"), tok); !errors.Is(err, errSignature) {
			t.Errorf("%q: got %v", tok, err)
		}
	}
	if err := verifyToken([]byte("s3cret"), ""); !errors.Is(err, errUnsigned) {
		t.Errorf("no token: got %v", err)
	}
}
