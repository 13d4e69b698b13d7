package clustering

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/mysqladmin"
)

// Sessions keeps each member's admin session open between the passes that read its status, so a pass does
// not pay a TCP connection, a TLS handshake and a login per member (at a 10 s resync, 100 clusters of three
// members made 30 of each a second; bench-scale's profile gave them 40 % of the operator's CPU). A session is
// reused only for the same host, credentials and trust bundle, and only one logged in with the operator's own
// account (a root fallback is closed after its read, so root stays for members that never joined). One that
// fails is closed and the status read again on a fresh session, so a member's answer is the one a new
// connection gets. The zero value is ready; a nil *Sessions keeps nothing (each read opens and closes one).
type Sessions struct {
	mu   sync.Mutex
	idle map[memberKey]idleSession
}

type memberKey struct {
	cluster types.NamespacedName
	pod     string
}

type idleSession struct {
	id string // sessionID: what the session was opened with
	in mysqladmin.Instance
}

// sessionID identifies what a session to the member was opened with (a digest: no password is kept in it).
func sessionID(c *ClusterInfo, pod string) string {
	h := sha256.New()
	for _, s := range []string{c.Hosts[pod], c.Credentials.AdminUser, c.Credentials.AdminPassword,
		c.Credentials.RootUser, c.Credentials.RootPassword, c.Trust.Fingerprint()} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// take removes and returns the member's idle session opened with id; nil when there is none. One opened
// with something else is closed.
func (s *Sessions) take(k memberKey, id string) mysqladmin.Instance {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	old, ok := s.idle[k]
	delete(s.idle, k)
	s.mu.Unlock()
	if !ok {
		return nil
	}
	if old.id != id {
		_ = old.in.Close()
		return nil
	}
	return old.in
}

// put keeps in as the member's idle session (closing one kept meanwhile). It closes in instead when ctx ended:
// Manager.Forget cancels the loop before it forgets the sessions, and ctx is checked under the lock Forget
// takes, so a pass in flight cannot keep a session of a cluster forgotten. A nil *Sessions closes it too.
func (s *Sessions) put(ctx context.Context, k memberKey, id string, in mysqladmin.Instance) {
	if s == nil {
		_ = in.Close()
		return
	}
	s.mu.Lock()
	if ctx.Err() != nil {
		s.mu.Unlock()
		_ = in.Close()
		return
	}
	if s.idle == nil {
		s.idle = map[memberKey]idleSession{}
	}
	old, ok := s.idle[k]
	s.idle[k] = idleSession{id: id, in: in}
	s.mu.Unlock()
	if ok {
		_ = old.in.Close()
	}
}

// Forget closes the cluster's sessions (its loop stopped for good).
func (s *Sessions) Forget(cluster types.NamespacedName) {
	s.closeWhere(func(k memberKey) bool { return k.cluster == cluster })
}

// Close closes every session.
func (s *Sessions) Close() {
	s.closeWhere(func(memberKey) bool { return true })
}

func (s *Sessions) closeWhere(match func(memberKey) bool) {
	if s == nil {
		return
	}
	s.mu.Lock()
	var closing []mysqladmin.Instance
	for k, v := range s.idle {
		if match(k) {
			closing = append(closing, v.in)
			delete(s.idle, k)
		}
	}
	s.mu.Unlock()
	for _, in := range closing {
		_ = in.Close()
	}
}

// len is how many sessions are kept.
func (s *Sessions) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.idle)
}
