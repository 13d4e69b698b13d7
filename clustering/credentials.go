package clustering

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// fingerprint identifies the passwords of the credentials Secrets without revealing them: an HMAC keyed
// with the group name, which the internal Secret holds and the status never shows.
func (c *ClusterInfo) fingerprint() string {
	mac := hmac.New(sha256.New, []byte(c.GroupName))
	cr := c.Credentials
	for _, p := range []string{cr.RootUser, cr.RootPassword, cr.AdminUser, cr.AdminPassword, cr.ReplicationUser,
		cr.ReplicationPassword, cr.RouterUser, cr.RouterPassword} {
		mac.Write([]byte(p))
		mac.Write([]byte{0})
	}
	return hex.EncodeToString(mac.Sum(nil)[:12])
}
