package dnssrv

import (
	"fmt"
	"sort"
	"sync"
	"time"
)

// Source tells where an observation comes from.
type Source int

const (
	// FromStatus is a cluster's status.members as the leader wrote it: every replica can watch it.
	FromStatus Source = iota
	// FromLoop is the cluster loop's own observation, on the leader, one API round trip fresher.
	FromLoop
)

// loopPrecedence is how long a loop observation outranks status-derived ones: a few resync intervals, so a
// former leader's replica falls back to the status soon after it stops observing.
const loopPrecedence = 30 * time.Second

// Store holds every cluster's latest observation and publishes a new Zone when the records change.
// Its methods are safe for concurrent use.
type Store struct {
	// Config is the zone's configuration; its Serial is the first zone's (the Store increments it).
	Config ZoneConfig
	// Publish receives each new zone (Server.SetZone). Required.
	Publish func(*Zone) error
	// Now is the clock. Default time.Now.
	Now func() time.Time

	mu       sync.Mutex
	clusters map[string]entry
	zone     *Zone
}

type entry struct {
	cluster Cluster
	source  Source
	at      time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Observe records c's observation. A status-derived one is ignored while a loop observation of the cluster
// is fresher than loopPrecedence; a loop observation keeps the router, weights and lag threshold of the last
// status-derived one (the loop reports members only).
func (s *Store) Observe(c Cluster, src Source) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clusters == nil {
		s.clusters = map[string]entry{}
	}
	key := c.Namespace + "/" + c.Name
	old, had := s.clusters[key]
	now := s.now()
	switch {
	case src == FromStatus && had && old.source == FromLoop && now.Sub(old.at) < loopPrecedence:
		old.cluster.Router, old.cluster.Weights, old.cluster.LagThreshold = c.Router, c.Weights, c.LagThreshold
		s.clusters[key] = old
	case src == FromLoop && had:
		c.Router, c.Weights, c.LagThreshold = old.cluster.Router, old.cluster.Weights, old.cluster.LagThreshold
		s.clusters[key] = entry{cluster: c, source: src, at: now}
	default:
		s.clusters[key] = entry{cluster: c, source: src, at: now}
	}
	return s.rebuild()
}

// Forget drops a cluster (deleted).
func (s *Store) Forget(namespace, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clusters[namespace+"/"+name]; !ok {
		return nil
	}
	delete(s.clusters, namespace+"/"+name)
	return s.rebuild()
}

// Zone is the zone last published, nil before the first observation.
func (s *Store) Zone() *Zone {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.zone
}

// Start publishes the empty zone, so the apex answers before any cluster is observed.
func (s *Store) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rebuild()
}

// rebuild builds the zone from every entry and publishes it when its records changed, with the next serial.
func (s *Store) rebuild() error {
	keys := make([]string, 0, len(s.clusters))
	for k := range s.clusters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	clusters := make([]Cluster, 0, len(keys))
	for _, k := range keys {
		clusters = append(clusters, s.clusters[k].cluster)
	}
	cfg := s.Config
	if s.zone != nil {
		cfg.Serial = s.zone.Serial() + 1
	}
	z, err := Build(cfg, clusters)
	if err != nil {
		return fmt.Errorf("build zone: %w", err)
	}
	if z.SameRecords(s.zone) {
		return nil
	}
	if err := s.Publish(z); err != nil {
		return fmt.Errorf("publish zone serial %d: %w", z.Serial(), err)
	}
	s.zone = z
	return nil
}
