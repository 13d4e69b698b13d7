package router

import (
	"slices"
	"time"
)

// apply installs a new routing table: established connections it no longer keeps are closed at once (RW to a
// demoted primary, RO to a member that left the healthy group), others are untouched; metrics and logs follow.
func (s *Server) apply(t Table, c cause) {
	// Any answered view is a current topology, an election included: RO keeps serving the secondaries and RW
	// answers with a MySQL error, so the router stays in its Services rather than refusing connections there.
	if t.Verdict != VerdictUnknown {
		s.current.Store(time.Now().UnixNano())
	}
	old := s.conns.current()
	if t.Same(old) {
		return
	}
	dropped := s.conns.apply(t)
	s.metrics.table(old, t)
	s.logChange(old, t, c)
	closed := map[[2]string]int{}
	for _, p := range dropped {
		closed[[2]string{p.route.String(), p.backend}]++
	}
	for k, n := range closed {
		s.log.Info("closed connections the new table does not keep", "route", k[0], "backend", k[1],
			"connections", n, "reason", reasonRoleChange)
	}
}

// logChange logs and counts what changed; a new RW destination also records what the router learned it from
// and when (the arrival of the GR notice, for a notice), so a client's first write can be timed against it.
func (s *Server) logChange(old, t Table, c cause) {
	if old.Verdict != t.Verdict || old.ViewID != t.ViewID {
		s.log.Info("group topology", "verdict", t.Verdict.String(), "viewId", t.ViewID, "primary", t.Primary)
	}
	if old.Primary != t.Primary {
		s.metrics.routeChanged("rw")
		s.metrics.rwLearned(t.Primary, c)
		s.log.Info("route changed", "route", "rw", "backend", t.Primary, "previous", old.Primary,
			"trigger", c.trigger, "learnedAt", c.at.UTC().Format(time.RFC3339Nano))
	}
	if !slices.Equal(old.ReadOnly, t.ReadOnly) {
		s.metrics.routeChanged("ro")
		s.log.Info("route changed", "route", "ro", "backends", t.ReadOnly, "previous", old.ReadOnly)
	}
	for m, role := range t.Roles {
		if prev, ok := old.Roles[m]; !ok || prev != role {
			s.log.V(1).Info("member role", "member", m, "role", string(role), "previous", string(prev))
		}
	}
}
