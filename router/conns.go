package router

import (
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Why the router closed an established connection (the closed-connections metric's reason label).
const (
	reasonRoleChange  = "role_change"  // the backend is no longer the primary (RW) or no longer healthy (RO)
	reasonIdleTimeout = "idle_timeout" // no byte either way for IdleTimeout
	reasonShutdown    = "shutdown"     // still open when the drain timeout ended
)

// proxied is one routed connection: a client and the backend it was given.
type proxied struct {
	route   Route
	backend string // the member's classic address, the routes' key
	client  net.Conn
	server  net.Conn
	last    atomic.Int64 // unix nanos of the last byte moved either way
	once    sync.Once
	reason  atomic.Value // string: why the router closed it, if it did
}

func newProxied(route Route, backend string, client, server net.Conn) *proxied {
	p := &proxied{route: route, backend: backend, client: client, server: server}
	p.touch()
	return p
}

func (p *proxied) touch() { p.last.Store(time.Now().UnixNano()) }

func (p *proxied) idleFor() time.Duration { return time.Since(time.Unix(0, p.last.Load())) }

// close ends both sides; reason (when not "") records that the router decided it.
func (p *proxied) close(reason string) {
	p.once.Do(func() {
		if reason != "" {
			p.reason.Store(reason)
		}
		_ = p.client.Close()
		_ = p.server.Close()
	})
}

func (p *proxied) closedBy() string {
	r, _ := p.reason.Load().(string)
	return r
}

// registry holds the established connections and the table that says which of them may stay. Adding a
// connection and applying a table take the same lock, so no connection slips past a route change.
type registry struct {
	mu    sync.Mutex
	table Table
	conns map[*proxied]struct{}
}

// kept says whether a connection of the route to backend may stay under the table.
func kept(t Table, route Route, backend string) bool {
	if name, ok := t.Aliases[backend]; ok {
		backend = name
	}
	if route.writable() {
		return backend != "" && backend == t.Writable
	}
	return slices.Contains(t.Readable, backend)
}

func (r *registry) current() Table {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.table
}

// add registers p; false means the table no longer keeps its backend (a route change raced the connect).
func (r *registry) add(p *proxied) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !kept(r.table, p.route, p.backend) {
		return false
	}
	if r.conns == nil {
		r.conns = map[*proxied]struct{}{}
	}
	r.conns[p] = struct{}{}
	return true
}

func (r *registry) remove(p *proxied) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conns, p)
}

// apply installs t and closes the connections it does not keep; it returns them.
func (r *registry) apply(t Table) []*proxied {
	r.mu.Lock()
	r.table = t
	var drop []*proxied
	for p := range r.conns {
		if !kept(t, p.route, p.backend) {
			drop = append(drop, p)
		}
	}
	r.mu.Unlock()
	for _, p := range drop {
		p.close(reasonRoleChange)
	}
	return drop
}

// closeAll closes every established connection and says how many there were.
func (r *registry) closeAll(reason string) int {
	r.mu.Lock()
	all := make([]*proxied, 0, len(r.conns))
	for p := range r.conns {
		all = append(all, p)
	}
	r.mu.Unlock()
	for _, p := range all {
		p.close(reason)
	}
	return len(all)
}
