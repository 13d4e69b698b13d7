package router

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// handle serves one accepted connection: route it, or refuse it with a MySQL error. A routed connection's
// bytes move on two fresh goroutines: this one's stack, grown by the dial, is given back.
func (s *Server) handle(c net.Conn, route Route) {
	if s.active.Add(1) > int64(s.MaxConnections) {
		s.refuse(c, route, tooManyConnections())
		s.done()
		return
	}
	p, refused := s.connect(c, route)
	if refused != nil {
		s.refuse(c, route, refused)
		s.done()
		return
	}
	s.metrics.opened(route, p.backend)
	go s.serve(p)
}

// serve moves p's bytes until it ends.
func (s *Server) serve(p *proxied) {
	defer s.done()
	s.pipe(p)
	s.conns.remove(p)
	s.metrics.closed(p.route, p.backend, p.closedBy())
}

func (s *Server) done() {
	s.active.Add(-1)
	s.handlers.Done()
}

// connect picks the route's destinations in the table and connects to the first that answers. A table change
// between the pick and the registration (the backend was demoted meanwhile) picks once more.
func (s *Server) connect(c net.Conn, route Route) (*proxied, *refusal) {
	var refused *refusal
	for range 2 {
		dests, r := destinations(s.conns.current(), route, s.rr[route].Add(1)-1, c.LocalAddr())
		if r != nil {
			return nil, r
		}
		p, raced, r := s.connectAny(c, route, dests)
		if p != nil {
			return p, nil
		}
		if refused = r; !raced {
			break
		}
	}
	return nil, refused
}

// connectAny dials the destinations in order; raced reports a connection made but no longer kept.
func (s *Server) connectAny(c net.Conn, route Route, dests []string) (p *proxied, raced bool, r *refusal) {
	for _, member := range dests {
		server, err := s.dial(member, route)
		if err != nil {
			s.log.V(1).Info("backend connect failed", "route", route.String(), "backend", member,
				"error", err.Error())
			continue
		}
		p = newProxied(route, member, c, server)
		if s.conns.add(p) {
			return p, false, nil
		}
		_ = server.Close()
		return nil, true, cantConnect(c.LocalAddr(), refusedNoPrimary, "the backend changed role")
	}
	return nil, false, cantConnect(c.LocalAddr(), refusedConnectFailed, "no backend answered")
}

func (s *Server) dial(member string, route Route) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.ConnectTimeout)
	defer cancel()
	addr := member
	if len(s.StaticBackends) == 0 {
		addr = backendAddr(member, route, s.MemberXPort)
	}
	c, err := s.Dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	return c, nil
}

// destinations are where a new connection of the route may go, in the order to try: the primary for RW, the
// read-only destinations from the n-th on for RO (round-robin). None gives the refusal to send.
func destinations(t Table, route Route, n uint64, local net.Addr) ([]string, *refusal) {
	switch {
	case route.writable() && t.Primary != "":
		return []string{t.Primary}, nil
	case !route.writable() && len(t.ReadOnly) > 0:
		i := int(n % uint64(len(t.ReadOnly)))
		return append(append([]string(nil), t.ReadOnly[i:]...), t.ReadOnly[:i]...), nil
	}
	switch {
	case t.Verdict == VerdictQuorumLost:
		return nil, cantConnect(local, refusedQuorumLost, "the group has lost quorum")
	case t.Verdict == VerdictUnknown:
		return nil, cantConnect(local, refusedNoTopology, "no member of the group answered")
	case route.writable():
		return nil, cantConnect(local, refusedNoPrimary, "no primary in the group")
	}
	return nil, cantConnect(local, refusedNoDestination, "no ONLINE member to read from")
}

// isTemporary says whether an accept error may pass (descriptors or memory short, an aborted handshake).
func isTemporary(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
