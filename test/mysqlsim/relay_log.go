package mysqlsim

import "time"

// relayLog is the group_replication_applier channel's relay log. It is on disk, so what a member
// received but had not applied survives a crash or a restart, and Group Replication applies it when
// it starts again (MySQL 8.4 manual, 20.5.2 "Restarting a Group": the most advanced member is the
// one with the largest gtid_executed ∪ RECEIVED_TRANSACTION_SET of that channel).
type relayLog struct {
	queue    GTIDSet // received, not applied yet: COUNT_TRANSACTIONS_REMOTE_IN_APPLIER_QUEUE
	received GTIDSet // everything the channel received: RECEIVED_TRANSACTION_SET
	last     string  // LAST_QUEUED_TRANSACTION
	exists   bool    // the first START GROUP_REPLICATION created the channel
}

// recoveryChannel is what performance_schema.replication_connection_status shows for the
// group_replication_recovery channel: the last donor connection and its error.
type recoveryChannel struct {
	exists   bool
	source   string // SOURCE_UUID: the donor
	errNo    int
	errMsg   string
	errAt    time.Time
	received GTIDSet // what distributed recovery transferred
}

// receive applies (or queues, when the applier lags or the member is still recovering) one
// transaction that came from the group. Either way it went through the relay log.
func (m *Member) receive(uuid string, n int64) {
	m.relay.received = m.relay.received.Add(uuid, n)
	m.relay.last = uuid + ":" + itoa(int(n))
	if m.lagging || m.state == StateRecovering {
		m.relay.queue = m.relay.queue.Add(uuid, n)
		return
	}
	m.gtid = m.gtid.Add(uuid, n)
}

// applyRelayLog runs what the applier channel still holds, as its SQL thread does once Group
// Replication starts it.
func (m *Member) applyRelayLog() {
	if m.lagging || m.relay.queue.IsEmpty() {
		return
	}
	m.replayAccountTxs(m.relay.queue.Subtract(m.gtid))
	m.gtid = m.gtid.Union(m.relay.queue)
	m.relay.queue = GTIDSet{}
}

// executedOrReceived is gtid_executed ∪ the applier channel's received transactions: what Group
// Replication's join check compares with the group (a queued transaction the group has is not
// errant).
func (m *Member) executedOrReceived() GTIDSet { return m.gtid.Union(m.relay.queue) }

// resetRelayLogs forgets both channels' relay logs (RESET BINARY LOGS AND GTIDS, or a clone, which
// does not copy relay logs).
func (m *Member) resetRelayLogs() {
	exists := m.relay.exists
	m.relay = relayLog{exists: exists}
	m.recChannel.received = GTIDSet{}
}

// GTIDReceived is RECEIVED_TRANSACTION_SET of the member's group_replication_applier channel.
func (m *Member) GTIDReceived() GTIDSet {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.relay.received
}

// ApplierQueue is what the member received from the group but has not applied (its relay log).
func (m *Member) ApplierQueue() GTIDSet {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	return m.relay.queue
}
