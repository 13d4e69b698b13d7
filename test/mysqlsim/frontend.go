package mysqlsim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/test/mysqlsim/classic"
	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

// Frontends serves every member of a group on its own address: the classic protocol on
// Host:Port and the X Protocol on Host:XPort, both answered by the engine and authenticated against
// the member's accounts. It follows the members: a crashed member's listeners close (clients see
// their connections drop and new ones refused), a restarted member's listeners open again.
type Frontends struct {
	// Group is the simulated group. Required.
	Group *Group
	// TLSConfig is the certificate both protocols offer to members without their own (MemberConfig.TLS).
	// Default nil: a self-signed certificate per
	// member, as mysqld 8 generates at first start (X Protocol clients need TLS for PLAIN, the only way
	// to log in to a caching_sha2_password account before SHA256_MEMORY has cached it).
	TLSConfig *tls.Config
	// NoTLS turns TLS off on both protocols.
	NoTLS bool
	// Logger receives listener errors. Default: discards.
	Logger logr.Logger

	mu      sync.Mutex
	running map[*Member]*endpoints
	stop    chan struct{}
	done    chan struct{}
}

// endpoints are one member incarnation's servers.
type endpoints struct {
	incarnation int
	classic     *classic.Server
	x           *xserver.Server
	sub         *Subscription
	classicAddr string
	xAddr       string
}

// Start opens the listeners of the members that are up and keeps following the group until
// Shutdown. It fails when a listener cannot be opened.
func (f *Frontends) Start() error {
	f.running = map[*Member]*endpoints{}
	f.stop, f.done = make(chan struct{}), make(chan struct{})
	if err := f.sync(); err != nil {
		f.closeAll()
		return err
	}
	go f.follow()
	return nil
}

// Shutdown closes every listener and connection.
func (f *Frontends) Shutdown() {
	close(f.stop)
	<-f.done
	f.closeAll()
}

// Addrs returns the classic and X Protocol addresses of a running member.
func (f *Frontends) Addrs(m *Member) (classicAddr, xAddr string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ep := f.running[m]
	if ep == nil {
		return "", "", false
	}
	return ep.classicAddr, ep.xAddr, true
}

func (f *Frontends) follow() {
	defer close(f.done)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-f.stop; cancel() }()
	for ctx.Err() == nil {
		_ = f.Group.WaitFor(ctx, func() bool { return f.outOfSync() })
		if ctx.Err() != nil {
			return
		}
		if err := f.sync(); err != nil {
			f.Logger.Error(err, "sync member listeners")
			// Back off before retrying: the address may be freed a moment later.
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

func (f *Frontends) outOfSync() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.Group.Members() {
		ep := f.running[m]
		up, inc := m.Up(), m.Incarnation()
		if up != (ep != nil) || (ep != nil && ep.incarnation != inc) {
			return true
		}
	}
	for m := range f.running {
		if f.Group.Member(m.Name()) != m {
			return true
		}
	}
	return false
}

// sync opens listeners for members that came up and closes those of members that went down.
func (f *Frontends) sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	members := f.Group.Members()
	present := map[*Member]bool{}
	for _, m := range members {
		present[m] = true
	}
	// Close first: a removed or restarted member may free an address another member is about to take.
	for m, ep := range f.running {
		if !present[m] || !m.Up() || ep.incarnation != m.Incarnation() {
			ep.close()
			delete(f.running, m)
		}
	}
	var errs []error
	for _, m := range members {
		if !m.Up() || f.running[m] != nil {
			continue
		}
		ep, err := f.open(m, m.Incarnation())
		if err != nil {
			errs = append(errs, fmt.Errorf("open listeners of member %s: %w", m.Name(), err))
			continue
		}
		f.running[m] = ep
	}
	f.Group.notify() // waiters on Addrs see the listeners
	return errors.Join(errs...)
}

func (f *Frontends) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for m, ep := range f.running {
		ep.close()
		delete(f.running, m)
	}
}

func (f *Frontends) open(m *Member, inc int) (*endpoints, error) {
	cl, err := net.Listen("tcp", net.JoinHostPort(m.Host(), strconv.Itoa(m.Port())))
	if err != nil {
		return nil, fmt.Errorf("listen classic: %w", err)
	}
	xl, err := net.Listen("tcp", net.JoinHostPort(m.Host(), strconv.Itoa(m.XPort())))
	if err != nil {
		_ = cl.Close()
		return nil, fmt.Errorf("listen x protocol: %w", err)
	}
	tlsConfig := m.TLSConfig()
	if tlsConfig == nil {
		tlsConfig = f.TLSConfig
	}
	if tlsConfig == nil && !f.NoTLS {
		if tlsConfig, err = classic.SelfSignedTLS(m.Host()); err != nil {
			_, _ = cl.Close(), xl.Close()
			return nil, fmt.Errorf("make certificate: %w", err)
		}
	}
	if f.NoTLS {
		tlsConfig = nil
	}
	ep := &endpoints{incarnation: inc, classicAddr: cl.Addr().String(), xAddr: xl.Addr().String()}
	ep.classic = newClassicServer(m, tlsConfig, f.Logger)
	ep.x = newXServer(m, tlsConfig, f.Logger)
	go func() { _ = ep.classic.Serve(cl) }()
	go func() { _ = ep.x.Serve(xl) }()
	ep.sub = m.Subscribe()
	go forwardNotices(ep.sub, ep.x)
	return ep, nil
}

func (ep *endpoints) close() {
	ep.sub.Close()
	ep.classic.CloseAll()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // drop connections at once, as a crashed mysqld does
	_ = ep.classic.Shutdown(ctx)
	_ = ep.x.Shutdown(ctx)
}

// forwardNotices pushes the member's Group Replication notices to the X sessions that enabled them.
func forwardNotices(sub *Subscription, x *xserver.Server) {
	for n := range sub.C {
		x.BroadcastGroupReplicationNotice(wire.GroupReplicationStateChanged{
			Type: wire.GRChange(n.Type), ViewID: n.ViewID})
	}
}

// sessionCloser closes the engine session when the connection ends.
type sessionCloser struct{ s *Session }

func (c sessionCloser) Close() error { c.s.Close(); return nil }

// connLost tells the front-ends to drop the client connection.
func connLost(err error) bool {
	return errors.Is(err, ErrMemberDown) || errors.Is(err, ErrSessionClosed)
}
