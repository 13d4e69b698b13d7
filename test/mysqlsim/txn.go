package mysqlsim

import (
	"context"
	"sort"
)

// loggedTx is an account statement that became a group transaction; members that receive the
// transaction later (lag, distributed recovery) replay it.
type loggedTx struct {
	uuid string
	n    int64
	op   accountOp
}

// checkReadOnly refuses a write on a read-only member (MySQL 8.4 manual, "super_read_only").
func (m *Member) checkReadOnly(s *Session) error {
	if m.boolVar("super_read_only") {
		return errOptionPrevents("--super-read-only")
	}
	if m.boolVar("read_only") && !s.hasAny("CONNECTION_ADMIN", "SUPER") {
		return errOptionPrevents("--read-only")
	}
	return nil
}

// waitQuorum blocks a commit while the member's group cannot reach a majority, as Group
// Replication does ("Network Partitioning"): the transaction waits until quorum comes back
// (for example through group_replication_force_members) or the client gives up.
func (m *Member) waitQuorum(ctx context.Context, s *Session) error {
	inc := m.incarnation
	err := m.g.waitUntil(ctx, func() bool {
		return !m.up || m.incarnation != inc || !m.grRunning || m.view == nil || m.canCommit()
	})
	if err != nil {
		return err
	}
	if !m.up || m.incarnation != inc {
		return ErrMemberDown
	}
	return m.checkReadOnly(s)
}

// checkWritable is checkReadOnly followed by waitQuorum.
func (m *Member) checkWritable(ctx context.Context, s *Session) error {
	if err := m.checkReadOnly(s); err != nil {
		return err
	}
	return m.waitQuorum(ctx, s)
}

// commitTx gives a committed write its GTID: group_name:N inside a group (sent to every member of
// the view it can reach), server_uuid:N on a standalone server, none with sql_log_bin=0. body is what the
// binary log records for it.
func (m *Member) commitTx(s *Session, op accountOp, body binlogTx) {
	if s.vars["sql_log_bin"] == "OFF" {
		return
	}
	inGroup := m.grRunning && m.view != nil
	uuid := m.uuid
	n := m.gtid.NextFree(uuid)
	if inGroup {
		uuid = m.view.grp.name
		n = m.g.groupExecuted(m.view).Union(m.gtid).NextFree(uuid)
	}
	m.gtid = m.gtid.Add(uuid, n)
	m.transactions++
	m.g.logBinlog(uuid, n, body)
	if op != nil {
		m.g.txlog = append(m.g.txlog, loggedTx{uuid: uuid, n: n, op: op})
	}
	if !inGroup {
		return
	}
	for _, x := range m.view.members {
		if x == m || !x.up || x.view != m.view || !m.g.reachable(m, x) {
			continue
		}
		if x.state != StateOnline && x.state != StateRecovering {
			continue
		}
		applied := x.state == StateOnline && !x.lagging
		x.receive(uuid, n)
		if applied && op != nil {
			_, _ = op(x.accounts)
		}
	}
	m.g.changed()
}

// replayAccountTxs applies the account statements among the transactions a member just received.
func (m *Member) replayAccountTxs(set GTIDSet) {
	var todo []loggedTx
	for _, t := range m.g.txlog {
		if set.Contains(t.uuid, t.n) {
			todo = append(todo, t)
		}
	}
	sort.SliceStable(todo, func(i, j int) bool {
		if todo[i].uuid != todo[j].uuid {
			return todo[i].uuid < todo[j].uuid
		}
		return todo[i].n < todo[j].n
	})
	for _, t := range todo {
		_, _ = t.op(m.accounts)
	}
}
