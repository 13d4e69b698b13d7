package mysqlsim

// scheduleRecovery runs distributed recovery for a joiner after RecoverySeconds (MySQL 8.4 manual,
// "Distributed Recovery").
func (g *Group) scheduleRecovery(m *Member) {
	m.after(g.cfg.RecoverySeconds, func() {
		if m.view != nil && m.state == StateRecovering && m.grRunning {
			g.recover(m)
		}
	})
}

// recover picks a donor and transfers the missing transactions from its binary log, or clones it
// when group_replication_clone_threshold or purged GTIDs require it ("Cloning for Distributed
// Recovery"). Connection failures are retried group_replication_recovery_retry_count times,
// group_replication_recovery_reconnect_interval seconds apart ("Fault Tolerance for Distributed
// Recovery"); then the member leaves the group in ERROR. The group_replication_recovery channel's
// row of replication_connection_status shows the last connection error until one succeeds.
func (g *Group) recover(m *Member) {
	group := g.groupExecuted(m.view)
	missing := group.Subtract(m.gtid)
	var last *loginFailure
	for _, donor := range g.donors(m) {
		needClone := missing.Count() >= m.intVar("group_replication_clone_threshold") ||
			!missing.Intersect(donor.purged).IsEmpty()
		if needClone && !canClone(m, donor) {
			if !missing.Intersect(donor.purged).IsEmpty() {
				last = &loginFailure{13114, "Got fatal error 1236 from source when reading data from binary log: " +
					"'Cannot replicate because the source purged required binary logs.'"}
				continue
			}
			needClone = false
		}
		privs := []string{"REPLICATION SLAVE"}
		if needClone {
			privs = append(privs, "BACKUP_ADMIN")
		}
		m.recChannel.exists, m.recChannel.source = true, donor.uuid
		f := recoveryTLSFailure(m, donor)
		if f == nil {
			f = login(m, donor, m.groupCreds(), privs...)
		}
		if f != nil {
			last = f
			m.recChannel.errNo, m.recChannel.errMsg, m.recChannel.errAt = f.code, f.msg, g.clock.Now()
			continue
		}
		m.recChannel.errNo, m.recChannel.errMsg = 0, ""
		if needClone {
			g.cloneRecovery(m, donor)
			return
		}
		g.incrementalRecovery(m, donor)
		return
	}
	g.recoveryRetry(m, last)
}

// canClone says whether clone can provision m from donor: both load the plugin and run versions of
// one release series.
func canClone(m, donor *Member) bool {
	return m.loaded[pluginClone] && donor.loaded[pluginClone] && cloneCompatible(donor.cfg.Version, m.cfg.Version)
}

// incrementalRecovery transfers the donor's binary log the joiner lacks through the recovery
// channel, then applies the relay log of the applier channel (what the group sent meanwhile).
func (g *Group) incrementalRecovery(m, donor *Member) {
	transferred := donor.gtid.Subtract(m.gtid)
	m.recChannel.received = m.recChannel.received.Union(transferred)
	m.replayAccountTxs(transferred.Union(m.relay.queue).Subtract(m.gtid))
	m.gtid = m.gtid.Union(donor.gtid).Union(m.relay.queue)
	m.relay.queue = GTIDSet{}
	m.grLog("System", "MY-011490", "This server was declared online within the replication group.")
	g.setState(m, StateOnline)
	g.runElection(m.view)
}

func (g *Group) donors(m *Member) []*Member {
	var out []*Member
	for _, x := range m.view.members {
		if x != m && x.state == StateOnline && x.view == m.view && g.reachable(m, x) &&
			compareVersions(x.cfg.Version, m.cfg.Version) <= 0 {
			out = append(out, x)
		}
	}
	if n := len(out); n > 1 {
		shift := int(g.epoch+uint64(m.recoveryTry)) % n
		out = append(out[shift:], out[:shift]...)
	}
	return out
}

func (g *Group) recoveryRetry(m *Member, last *loginFailure) {
	m.recoveryTry++
	retries := m.intVar("group_replication_recovery_retry_count")
	msg := "no ONLINE donor is reachable"
	if last != nil {
		msg = last.msg
	}
	m.logf("ERROR", "MY-010584", "Repl", "Replica I/O for channel 'group_replication_recovery': Error connecting to "+
		"source. This was attempt %d/%d, with a delay of %s seconds between attempts. Message: %s",
		m.recoveryTry, retries, m.globals["group_replication_recovery_reconnect_interval"], msg)
	if int64(m.recoveryTry) > retries {
		m.grLog("ERROR", "MY-011574", "Maximum number of retries when trying to connect to a donor reached. "+
			"Aborting group replication incremental recovery.")
		m.grLog("ERROR", "MY-011620", "Fatal error during the incremental recovery process of Group Replication. "+
			"The server will leave the group.")
		g.leaveWithError(m, false)
		return
	}
	m.after(float64(m.intVar("group_replication_recovery_reconnect_interval")), func() {
		if m.view != nil && m.state == StateRecovering && m.grRunning {
			g.recover(m)
		}
	})
}

// cloneRecovery replaces the joiner's data with the donor's, then restarts it (MySQL 8.4 manual,
// 20.5.4.2.3 "Cloning for Distributed Recovery"). Group Replication persists nothing for the
// restart: with group_replication_start_on_boot=OFF the member comes back OFFLINE and needs START
// GROUP_REPLICATION again, with its credentials if they were given on START (they are not
// persisted either, 20.5.4.2).
func (g *Group) cloneRecovery(m, donor *Member) {
	m.grLog("System", "MY-013471", "Distributed recovery will transfer data using: Cloning from a remote group donor.")
	g.leaveView(m)
	g.startClone(m, donor, donor.cfg.Host+":"+itoa(donor.cfg.Port))
}
