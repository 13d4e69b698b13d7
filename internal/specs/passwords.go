package specs

import (
	"crypto/rand"
	"fmt"
	"math/big"
)

// RandomPassword returns a 32-character password from an unambiguous alphabet (about 186 bits).
func RandomPassword() (string, error) {
	b := make([]byte, passwordLength)
	limit := big.NewInt(int64(len(passwordChars)))
	for i := range b {
		n, err := rand.Int(rand.Reader, limit)
		if err != nil {
			return "", fmt.Errorf("generate password: %w", err)
		}
		b[i] = passwordChars[n.Int64()]
	}
	return string(b), nil
}

// RandomUUID returns a random (version 4) UUID, the form group_replication_group_name takes.
func RandomUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate uuid: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
