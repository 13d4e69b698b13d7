package wire

import (
	"bytes"
	"crypto/sha1" //nolint:gosec // MYSQL41 is defined on SHA-1.
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// Authentication mechanism names.
const (
	AuthMySQL41      = "MYSQL41"
	AuthSHA256Memory = "SHA256_MEMORY"
	AuthPlain        = "PLAIN"
)

// Account auth plugins (what the server's Credentials report).
const (
	PluginNativePassword = "mysql_native_password"
	PluginCachingSHA2    = "caching_sha2_password"
)

// SaltSize is the length of the challenge the server sends.
const SaltSize = 20

// MySQL41Response returns "*" + hex(SHA1(pw) XOR SHA1(salt || SHA1(SHA1(pw)))), or "" for an empty password.
func MySQL41Response(password string, salt []byte) []byte {
	if password == "" {
		return nil
	}
	h1 := sha1.Sum([]byte(password)) //nolint:gosec
	h2 := sha1.Sum(h1[:])            //nolint:gosec
	m := sha1.New()                  //nolint:gosec
	m.Write(salt)
	m.Write(h2[:])
	x := m.Sum(nil)
	for i := range x {
		x[i] ^= h1[i]
	}
	out := make([]byte, 1+hex.EncodedLen(len(x)))
	out[0] = '*'
	hex.Encode(out[1:], x)
	return out
}

// SHA256MemoryResponse returns hex(SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) || salt)).
func SHA256MemoryResponse(password string, salt []byte) []byte {
	stage1 := sha256.Sum256([]byte(password))
	return sha256Scramble(stage1, salt)
}

func sha256Scramble(stage1 [32]byte, salt []byte) []byte {
	stage2 := sha256.Sum256(stage1[:])
	m := sha256.New()
	m.Write(stage2[:])
	m.Write(salt)
	x := m.Sum(nil)
	for i := range x {
		x[i] ^= stage1[i]
	}
	out := make([]byte, hex.EncodedLen(len(x)))
	hex.Encode(out, x)
	return out
}

// AuthData builds the "schema \0 user \0 response" payload of AuthenticateContinue (and of PLAIN's
// AuthenticateStart, where response is the password).
func AuthData(schema, user string, response []byte) []byte {
	b := make([]byte, 0, len(schema)+len(user)+len(response)+2)
	b = append(b, schema...)
	b = append(b, 0)
	b = append(b, user...)
	b = append(b, 0)
	return append(b, response...)
}

// ParseAuthData splits "schema \0 user \0 response". Trailing NUL bytes of the response are dropped:
// Connector/Node.js pads its SHA256_MEMORY answer with one.
func ParseAuthData(data []byte) (schema, user string, response []byte, ok bool) {
	i := bytes.IndexByte(data, 0)
	if i < 0 {
		return "", "", nil, false
	}
	rest := data[i+1:]
	j := bytes.IndexByte(rest, 0)
	if j < 0 {
		return "", "", nil, false
	}
	return string(data[:i]), string(rest[:j]), bytes.TrimRight(rest[j+1:], "\x00"), true
}

// VerifyMySQL41 (server side) verifies a MYSQL41 response against the account's password.
func VerifyMySQL41(password string, salt, response []byte) bool {
	if password == "" {
		return len(response) == 0 || bytes.Equal(response, []byte("*"))
	}
	return subtle.ConstantTimeCompare(MySQL41Response(password, salt), bytes.ToLower(response)) == 1
}

// VerifySHA256Memory verifies a SHA256_MEMORY response against a cached SHA256(password).
func VerifySHA256Memory(stage1 [32]byte, salt, response []byte) bool {
	want := sha256Scramble(stage1, salt)
	return subtle.ConstantTimeCompare(want, bytes.ToLower(response)) == 1
}
