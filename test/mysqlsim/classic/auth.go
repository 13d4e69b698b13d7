package classic

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // mysql_native_password and the RSA-OAEP padding are defined with SHA-1.
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
)

// scrambleLen is the length of the authentication challenge (auth-plugin-data) mysqld sends.
const scrambleLen = 20

// newScramble returns a challenge as mysqld builds it: 7-bit bytes, never NUL or '$', so it survives being
// sent NUL-terminated.
func newScramble() ([]byte, error) {
	b := make([]byte, scrambleLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("read random scramble: %w", err)
	}
	for i := range b {
		b[i] &= 0x7f
		if b[i] == 0 || b[i] == '$' {
			b[i]++
		}
	}
	return b, nil
}

// nativeToken is the mysql_native_password response: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))).
func nativeToken(scramble []byte, password string) []byte {
	if password == "" {
		return nil
	}
	h1 := sha1.Sum([]byte(password)) //nolint:gosec // protocol-defined
	h2 := sha1.Sum(h1[:])            //nolint:gosec // protocol-defined
	h := sha1.New()                  //nolint:gosec // protocol-defined
	h.Write(scramble[:scrambleLen])
	h.Write(h2[:])
	m := h.Sum(nil)
	for i := range m {
		m[i] ^= h1[i]
	}
	return m
}

// sha2Token is the caching_sha2_password scramble response:
// SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble).
func sha2Token(scramble []byte, password string) []byte {
	if password == "" {
		return nil
	}
	h1 := sha256.Sum256([]byte(password))
	h2 := sha256.Sum256(h1[:])
	h := sha256.New()
	h.Write(h2[:])
	h.Write(scramble[:scrambleLen])
	m := h.Sum(nil)
	for i := range m {
		m[i] ^= h1[i]
	}
	return m
}

// sha2CacheKey is what the fast-auth cache remembers about a password: SHA256(SHA256(pw)), as mysqld does.
func sha2CacheKey(password string) [32]byte {
	h1 := sha256.Sum256([]byte(password))
	return sha256.Sum256(h1[:])
}

// tokensEqual compares two auth responses in constant time.
func tokensEqual(a, b []byte) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1
}

// authCache is caching_sha2_password's in-memory cache of successful full authentications, keyed by user.
// An entry only counts while it still matches the account's current password, which has the effect of
// ALTER USER evicting it.
type authCache struct {
	mu sync.Mutex
	m  map[string][32]byte
}

func (a *authCache) remember(user, password string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string][32]byte{}
	}
	a.m[user] = sha2CacheKey(password)
}

func (a *authCache) has(user, password string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	k, ok := a.m[user]
	return ok && k == sha2CacheKey(password)
}

func (a *authCache) flush() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.m = nil
}

// rsaKeys holds the key pair caching_sha2_password uses to receive passwords over plain TCP.
type rsaKeys struct {
	once sync.Once
	key  *rsa.PrivateKey
	pem  []byte
	err  error
}

// get returns the private key and its public half in PEM, generating a 2048-bit pair on first use
// unless one was configured.
func (k *rsaKeys) get(configured *rsa.PrivateKey) (*rsa.PrivateKey, []byte, error) {
	k.once.Do(func() {
		key := configured
		if key == nil {
			if key, k.err = rsa.GenerateKey(rand.Reader, 2048); k.err != nil {
				k.err = fmt.Errorf("generate RSA key: %w", k.err)
				return
			}
		}
		der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			k.err = fmt.Errorf("marshal RSA public key: %w", err)
			return
		}
		k.key = key
		k.pem = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	})
	return k.key, k.pem, k.err
}

// decryptPassword undoes the client's RSA-OAEP(SHA-1) encryption of (password + NUL) XOR scramble.
func decryptPassword(key *rsa.PrivateKey, scramble, ciphertext []byte) (string, error) {
	plain, err := rsa.DecryptOAEP(sha1.New(), nil, key, ciphertext, nil) //nolint:gosec // protocol-defined
	if err != nil {
		return "", fmt.Errorf("decrypt password: %w", err)
	}
	for i := range plain {
		plain[i] ^= scramble[i%len(scramble)]
	}
	return string(bytes.TrimSuffix(plain, []byte{0})), nil
}
