package mysqlsim

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// crash stops the member at once, like kill -9: no clean leave, the others find out through
// failure detection. Called with the lock held.
func (g *Group) crash(m *Member) {
	if !m.up {
		return
	}
	m.viewAtLeave = ""
	m.shutdown()
	g.connectivityChanged()
}

// Crash kills the member's mysqld. Its connections drop; persisted variables, GTIDs, accounts and
// the error log survive (they are on disk).
func (m *Member) Crash() {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.g.crash(m)
}

// Restart crashes the member if it is up and boots it again at once (start_on_boot honoured).
// It returns an error when the boot fails (for example an unknown my.cnf option).
func (m *Member) Restart() error {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.g.crash(m)
	err := m.boot()
	m.g.connectivityChanged()
	if err != nil {
		return fmt.Errorf("restart member %s: %w", m.cfg.Name, err)
	}
	return nil
}

// Isolate cuts the member off from every other member, in both directions (a network partition
// of one). Clients can still reach it.
func (m *Member) Isolate() {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.g.nextPartition++
	m.g.partition[m] = m.g.nextPartition
	m.g.connectivityChanged()
}

// Heal puts the member back into the main network partition.
func (m *Member) Heal() {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	delete(m.g.partition, m)
	m.g.connectivityChanged()
}

// Partition splits the members into the given sides; members not named stay in the main side.
func (g *Group) Partition(sides ...[]string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, side := range sides {
		g.nextPartition++
		for _, name := range side {
			m := g.memberLocked(name)
			if m == nil {
				return fmt.Errorf("partition: no member %s", name)
			}
			g.partition[m] = g.nextPartition
		}
	}
	g.connectivityChanged()
	return nil
}

// HealAll removes every partition.
func (g *Group) HealAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.partition = map[*Member]int{}
	g.connectivityChanged()
}

// LoseAll crashes every member at once (full outage).
func (g *Group) LoseAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.members {
		g.crash(m)
	}
}

// InjectError puts the member in ERROR as an applier failure (disk full, a failed transaction)
// does: it leaves the group, super_read_only stays ON and group_replication_exit_state_action
// applies. Auto-rejoin does not apply to applier errors.
func (m *Member) InjectError(reason string) error {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	if !m.up || !m.grRunning {
		return fmt.Errorf("inject error into %s: group replication is not running", m.cfg.Name)
	}
	if reason == "" {
		reason = "Disk is full writing './binlog.000002' (OS errno 28 - No space left on device)."
	}
	m.logf("ERROR", "MY-010584", "Repl", "Replica SQL for channel 'group_replication_applier': Worker 1 failed "+
		"executing transaction; %s", reason)
	m.grLog("ERROR", "MY-011451", "The applier thread execution was aborted. Unable to process more transactions, "+
		"this member will now leave the group.")
	m.grLog("ERROR", "MY-011452", "Fatal error during execution on the Applier process of Group Replication. The "+
		"server will now leave the group.")
	m.g.leaveWithError(m, false)
	return nil
}

// SetSlow delays every statement the member executes by d (0 turns it off).
func (m *Member) SetSlow(d time.Duration) {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.slow = d
}

// statementHold blocks the statements starting with prefix until release is closed.
type statementHold struct {
	prefix  string
	release chan struct{}
}

// HoldStatements makes every statement of the member whose text starts with prefix (case-insensitive) hang,
// as a server stuck in it would, until the returned function is called or the statement's client goes away.
// The member's other statements run as usual.
func (m *Member) HoldStatements(prefix string) (release func()) {
	h := &statementHold{prefix: strings.ToUpper(prefix), release: make(chan struct{})}
	m.g.mu.Lock()
	m.hold = h
	m.g.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.g.mu.Lock()
			if m.hold == h {
				m.hold = nil
			}
			m.g.mu.Unlock()
			close(h.release)
		})
	}
}

// held blocks a statement the member's hold covers until it is released or ctx ends.
func (h *statementHold) held(ctx context.Context, stmt string) error {
	if h == nil || !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(stmt)), h.prefix) {
		return nil
	}
	select {
	case <-h.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetLag stops (true) or resumes (false) the member's applier: transactions from the group queue
// up (COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE) instead of reaching gtid_executed.
func (m *Member) SetLag(on bool) {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.lagging = on
	if !on && m.state == StateOnline {
		m.applyRelayLog()
	}
	m.g.changed()
}

// SetCertifierBacklog makes the member report n transactions waiting for conflict detection
// (COUNT_TRANSACTIONS_IN_QUEUE of replication_group_member_stats, MySQL 8.4 manual 29.12.11.15, in every
// member's copy of the table as the real group shares the statistics: 20.4.4). The simulator certifies at
// once; this stands for a member whose certifier falls behind, which flow control throttles writers on (20.7.2).
func (m *Member) SetCertifierBacklog(n int64) {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.certifying = n
	m.g.changed()
}

// PurgeBinaryLogs marks everything executed so far as purged from the binary log (PURGE BINARY
// LOGS), so a joiner that lacks those transactions must clone.
func (m *Member) PurgeBinaryLogs() {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	m.purged = m.gtid
}
