package mysqlsim

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Config sets up the simulated network, the group communication layer and the data store.
// Durations are in simulated seconds: MySQL measures its timeouts in seconds, and Second says how
// long one of them lasts, so tests run the real protocol in milliseconds.
type Config struct {
	// Second is the length of one simulated second. Default: time.Second (real timing).
	Second time.Duration
	// Clock drives every timer. Default: RealClock.
	Clock Clock
	// DataDSN is the go-sql-driver/mysql DSN of the MariaDB that stands for the group's replicated
	// data. Empty: data statements fail with ER 1046-like errors (admin SQL still works).
	DataDSN string
	// DetectionSeconds is how long a member is silent before the others mark it UNREACHABLE.
	// Default 5 (XCom's failure detector).
	DetectionSeconds float64
	// RecoverySeconds is how long incremental distributed recovery takes. Default 1.
	RecoverySeconds float64
	// CloneSeconds is how long a clone (CLONE INSTANCE or clone-based recovery) takes. Default 3.
	CloneSeconds float64
	// BootSeconds is how long a restart takes (RESTART, after a clone, Restart()). Default 2.
	BootSeconds float64
	// AutoRejoinIntervalSeconds is the pause between auto-rejoin attempts. Default 300 (5 minutes).
	AutoRejoinIntervalSeconds float64
	// JoinTimeoutSeconds is how long START GROUP_REPLICATION waits for a view before it fails
	// ("Timeout on wait for view after joining group"). Default 60.
	JoinTimeoutSeconds float64
	// JoinAttempts is how many times the group communication layer tries to join before it gives up
	// (GCS join attempts: no seed answered, the seed refused, an old incarnation or a suspicion was
	// pending). Default 10.
	JoinAttempts int
	// JoinRetrySeconds is the pause between join attempts. Default 5.
	JoinRetrySeconds float64
}

func (c *Config) defaults() {
	if c.Second == 0 {
		c.Second = time.Second
	}
	if c.Clock == nil {
		c.Clock = RealClock{}
	}
	setDefault(&c.DetectionSeconds, 5)
	setDefault(&c.RecoverySeconds, 1)
	setDefault(&c.CloneSeconds, 3)
	setDefault(&c.BootSeconds, 2)
	setDefault(&c.AutoRejoinIntervalSeconds, 300)
	setDefault(&c.JoinTimeoutSeconds, 60)
	setDefault(&c.JoinRetrySeconds, 5)
	if c.JoinAttempts == 0 {
		c.JoinAttempts = 10
	}
}

func setDefault(p *float64, v float64) {
	if *p == 0 {
		*p = v
	}
}

// Group is the simulated network plus group communication layer that all members share.
type Group struct {
	cfg   Config
	clock Clock
	db    *sql.DB

	mu            sync.Mutex
	members       []*Member
	partition     map[*Member]int
	nextPartition int
	epoch         uint64 // counts connectivity changes; rotates recovery donors
	evaluating    bool   // connectivityChanged is running
	evaluateAgain bool   // a nested connectivityChanged asked for one more pass
	wake          chan struct{}
	connID        uint64
	logins        map[string]int // sessions opened per user since Logins
	closed        bool
	txlog         []loggedTx
	binlog        map[gtidKey]binlogTx // what every member's binary log holds for a GTID
}

// NewGroup creates an empty group. Close it to stop timers and the data connection pool.
func NewGroup(cfg Config) (*Group, error) {
	cfg.defaults()
	g := &Group{cfg: cfg, clock: cfg.Clock, partition: map[*Member]int{}, wake: make(chan struct{}),
		binlog: map[gtidKey]binlogTx{}}
	if cfg.DataDSN != "" {
		db, err := sql.Open("mysql", cfg.DataDSN)
		if err != nil {
			return nil, fmt.Errorf("open data store: %w", err)
		}
		g.db = db
	}
	return g, nil
}

// Close crashes every member and closes the data store.
func (g *Group) Close() error {
	g.mu.Lock()
	g.closed = true
	for _, m := range g.members {
		if m.up {
			m.shutdown()
		}
	}
	g.mu.Unlock()
	if g.db != nil {
		return g.db.Close()
	}
	return nil
}

// AddMember initialises a new server (mysqld --initialize, or the official image's entrypoint with
// InitOfficialImage) and boots it. When the initialisation or the boot fails it returns the member,
// down, together with the error (ErrInitFailed, ErrBootFailed); Restart and RestartWith try again.
func (g *Group) AddMember(cfg MemberConfig) (*Member, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.memberLocked(cfg.Name) != nil {
		return nil, fmt.Errorf("add member %s: name in use", cfg.Name)
	}
	m, err := newMember(g, cfg)
	if err != nil {
		return nil, err
	}
	g.members = append(g.members, m)
	if err := m.boot(); err != nil {
		// The member exists (its data directory does) but mysqld is down, as a pod in a crash loop.
		return m, fmt.Errorf("add member %s: %w", cfg.Name, err)
	}
	return m, nil
}

// RemoveMember crashes the member and deletes it (its data folder is gone).
func (g *Group) RemoveMember(name string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.memberLocked(name)
	if m == nil {
		return fmt.Errorf("remove member %s: no such member", name)
	}
	if m.up {
		m.shutdown()
		g.connectivityChanged()
	}
	for i, x := range g.members {
		if x == m {
			g.members = append(g.members[:i], g.members[i+1:]...)
			break
		}
	}
	return nil
}

// Member returns the member with that name, or nil.
func (g *Group) Member(name string) *Member {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.memberLocked(name)
}

func (g *Group) memberLocked(name string) *Member {
	for _, m := range g.members {
		if m.cfg.Name == name {
			return m
		}
	}
	return nil
}

// Members returns all members in creation order.
func (g *Group) Members() []*Member {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*Member(nil), g.members...)
}

// after runs f with the group lock held after the given number of simulated seconds.
func (g *Group) after(seconds float64, f func()) func() bool {
	d := time.Duration(seconds * float64(g.cfg.Second))
	return g.clock.AfterFunc(d, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if !g.closed {
			f()
		}
	})
}

// changed wakes everything waiting in waitUntil. Called with the lock held after state changes.
func (g *Group) changed() {
	close(g.wake)
	g.wake = make(chan struct{})
}

// notify wakes WaitFor callers whose condition also reads state outside the group (the
// front-ends' listeners).
func (g *Group) notify() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.changed()
}

// waitUntil blocks until cond (evaluated with the lock held) is true or ctx ends. Called and
// returns with the lock held.
func (g *Group) waitUntil(ctx context.Context, cond func() bool) error {
	for !cond() {
		wake := g.wake
		g.mu.Unlock()
		select {
		case <-wake:
			g.mu.Lock()
		case <-ctx.Done():
			g.mu.Lock()
			return ctx.Err()
		}
	}
	return nil
}

// reachable says whether the group communication layers of a and b can talk.
func (g *Group) reachable(a, b *Member) bool {
	return a.up && b.up && a.grRunning && b.grRunning && g.partition[a] == g.partition[b]
}

// WaitFor blocks until cond is true or ctx ends. cond runs without the group lock (it may call
// the exported Member methods) and is evaluated again after every state change.
func (g *Group) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		g.mu.Lock()
		wake := g.wake
		g.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return fmt.Errorf("wait for group state: %w", ctx.Err())
		}
	}
}

// Logins returns how many sessions each user opened on the group's members since the last call, and resets
// the count.
func (g *Group) Logins() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := g.logins
	g.logins = nil
	if out == nil {
		out = map[string]int{}
	}
	return out
}

func (g *Group) nextConnID() uint64 {
	g.connID++
	return g.connID
}
