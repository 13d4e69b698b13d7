package clustering

import (
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/orca-operator/orca/internal/specs"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/probe"
)

// Monitor keeps one X Protocol health session per member, with Group Replication notices enabled, and wakes
// the member's cluster loop the moment a GR notice arrives (a state, role or view change) or the member becomes
// (un)reachable, as MySQL Router does with use_gr_notifications. It runs no SQL (ping only): the loop's own
// observation is the source of truth; the monitor only makes it run sooner than the resync timer.
type Monitor struct {
	// Dialer opens every connection.
	Dialer memberdial.Dialer
	// Wake is called with the cluster whose member changed; it must not start a loop for a forgotten cluster
	// (Manager.Poke).
	Wake func(types.NamespacedName)
	// Interval is the periodic probe of each member; notices wake loops sooner. Default 1s.
	Interval time.Duration

	mu       sync.Mutex
	clusters map[types.NamespacedName]*watched
}

type watched struct {
	prober *probe.Prober[struct{}]
	user   string
	last   map[string]bool // member -> reachable at its last result
	addrs  map[string]string
}

// Sync makes the monitor watch exactly the cluster's current members with the given account.
func (m *Monitor) Sync(c *ClusterInfo) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.clusters == nil {
		m.clusters = map[types.NamespacedName]*watched{}
	}
	w := m.clusters[c.Key]
	if w != nil && w.user != c.monitorKey() {
		w.prober.Close()
		w = nil
	}
	if w == nil {
		w = m.newWatched(c)
		m.clusters[c.Key] = w
	}
	for pod, host := range c.Hosts {
		addr := fmt.Sprintf("%s:%d", host, specs.PortMySQLX)
		if w.addrs[pod] != addr {
			w.addrs[pod] = addr
			w.prober.Watch(probe.Member{Name: pod, Addr: addr})
		}
	}
	for pod := range w.addrs {
		if _, ok := c.Hosts[pod]; !ok {
			delete(w.addrs, pod)
			w.prober.Forget(pod)
		}
	}
}

func (m *Monitor) newWatched(c *ClusterInfo) *watched {
	key := c.Key
	account := c.monitorAccount()
	w := &watched{user: c.monitorKey(),
		last: map[string]bool{}, addrs: map[string]string{}}
	var lastMu sync.Mutex
	w.prober = probe.New(probe.Config[struct{}]{
		Interval: m.Interval,
		Session: xprotocol.Config{User: account.User, Password: account.Password,
			// Verified as mysqladmin.Factory does: the cluster's CA, the member's stable name (docs/tls.md).
			TLSMode: xprotocol.TLSVerifyIdentity, TLSConfig: c.Trust.Config(),
			Dial: m.Dialer.DialContext, ConnectAttrs: map[string]string{"program_name": "orca-monitor"}},
		OnResult: func(r probe.Result[struct{}]) {
			lastMu.Lock()
			prev, seen := w.last[r.Member]
			changed := !seen || prev != r.Reachable
			w.last[r.Member] = r.Reachable
			lastMu.Unlock()
			if changed || r.Trigger == probe.TriggerNotice {
				m.Wake(key)
			}
		},
	})
	return w
}

// monitorKey identifies the account and the trust the monitor's sessions use: a change reconnects them.
func (c *ClusterInfo) monitorKey() string {
	a := c.monitorAccount()
	return a.User + "\x00" + a.Password + "\x00" + c.Trust.Fingerprint()
}

// monitorAccount is the operator's own account; root only when the cluster has none (older clusters). A member
// that does not have the account yet (never joined) refuses the probe, which only delays a wake-up: the loop's
// own observation reaches it as root.
func (c *ClusterInfo) monitorAccount() mysqladmin.Account {
	if a := c.admin(); a.User != "" {
		return a
	}
	return mysqladmin.Account{User: c.Credentials.RootUser, Password: c.Credentials.RootPassword}
}

// Forget stops watching the cluster's members.
func (m *Monitor) Forget(key types.NamespacedName) {
	if m == nil {
		return
	}
	m.mu.Lock()
	w := m.clusters[key]
	delete(m.clusters, key)
	m.mu.Unlock()
	if w != nil {
		w.prober.Close()
	}
}

// Close stops every watcher.
func (m *Monitor) Close() {
	if m == nil {
		return
	}
	m.mu.Lock()
	all := m.clusters
	m.clusters = nil
	m.mu.Unlock()
	for _, w := range all {
		w.prober.Close()
	}
}

// Watching reports whether the monitor watches the cluster's members.
func (m *Monitor) Watching(key types.NamespacedName) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.clusters[key]
	return ok
}
