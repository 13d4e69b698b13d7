package mysqlsim

import (
	"fmt"
	"strings"
)

// cloneStatus is the row of performance_schema.clone_status (MySQL 8.4 manual, "Monitoring Cloning
// Operations").
type cloneStatus struct {
	ID          int
	State       string // Not Started, In Progress, Completed, Failed
	Source      string
	ErrorNo     int
	ErrorMsg    string
	GTIDs       string
	Began, Done string
}

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
// Recovery"); then the member leaves the group in ERROR.
func (g *Group) recover(m *Member) {
	group := g.groupExecuted(m.view)
	missing := group.Subtract(m.gtid)
	var lastErr string
	for _, donor := range g.donors(m) {
		needClone := missing.Count() >= m.intVar("group_replication_clone_threshold") ||
			!missing.Intersect(donor.purged).IsEmpty()
		if needClone && (!m.loaded[pluginClone] || !donor.loaded[pluginClone]) {
			if !missing.Intersect(donor.purged).IsEmpty() {
				lastErr = "the donor purged transactions the joiner needs and clone is not available"
				continue
			}
			needClone = false
		}
		if err := g.recoveryLogin(m, donor, needClone); err != "" {
			lastErr = err
			continue
		}
		if needClone {
			g.cloneRecovery(m, donor)
			return
		}
		m.replayAccountTxs(donor.gtid.Union(m.queue).Subtract(m.gtid))
		m.gtid = m.gtid.Union(donor.gtid).Union(m.queue)
		m.queue = GTIDSet{}
		m.grLog("System", "MY-011490", "This server was declared online within the replication group.")
		g.setState(m, StateOnline)
		g.runElection(m.view)
		return
	}
	g.recoveryRetry(m, lastErr)
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

// recoveryLogin checks the recovery channel credentials against the donor's accounts, the way the
// group_replication_recovery channel connects. It returns the error text of a failed attempt.
func (g *Group) recoveryLogin(m, donor *Member, clone bool) string {
	creds := m.startCreds
	if creds == nil {
		c := m.recovery
		creds = &c
	}
	if creds.User == "" {
		return "Fatal error: Invalid (empty) username when attempting to connect to the source server. " +
			"Connection attempt terminated."
	}
	acct := donor.accounts.match(creds.User, m.cfg.Host)
	if acct == nil || acct.Password != creds.Password || acct.Locked {
		return fmt.Sprintf("Access denied for user '%s'@'%s' (using password: YES)", creds.User, m.cfg.Host)
	}
	if acct.Plugin == pluginCachingSHA2 && !m.boolVar("group_replication_recovery_use_ssl") &&
		!m.boolVar("group_replication_recovery_get_public_key") &&
		m.globals["group_replication_recovery_public_key_path"] == "" {
		return "Authentication plugin 'caching_sha2_password' reported error: " +
			"Authentication requires secure connection."
	}
	if !acct.hasGlobal("REPLICATION SLAVE") {
		return fmt.Sprintf("Access denied; you need (at least one of) the REPLICATION SLAVE privilege(s) for this " +
			"operation")
	}
	if clone && !acct.hasGlobal("BACKUP_ADMIN") {
		return "Access denied; you need (at least one of) the BACKUP_ADMIN privilege(s) for this operation"
	}
	return ""
}

func (g *Group) recoveryRetry(m *Member, lastErr string) {
	m.recoveryTry++
	retries := m.intVar("group_replication_recovery_retry_count")
	if lastErr == "" {
		lastErr = "no ONLINE donor is reachable"
	}
	m.logf("ERROR", "MY-010584", "Repl", "Replica I/O for channel 'group_replication_recovery': Error connecting to "+
		"source. This was attempt %d/%d, with a delay of %s seconds between attempts. Message: %s",
		m.recoveryTry, retries, m.globals["group_replication_recovery_reconnect_interval"], lastErr)
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

// cloneRecovery replaces the joiner's data with the donor's, then restarts it. Like Group
// Replication's remote clone handler, it persists group_replication_start_on_boot=ON first so the
// member rejoins after the restart and finishes with incremental recovery.
func (g *Group) cloneRecovery(m, donor *Member) {
	m.grLog("System", "MY-013471", "Distributed recovery will transfer data using: Cloning from a remote group donor.")
	m.persist["group_replication_start_on_boot"] = persisted{value: "ON", onlyRO: true}
	g.leaveView(m)
	m.cloneState = cloneStatus{ID: 1, State: "In Progress", Source: donor.cfg.Host + ":" + itoa(donor.cfg.Port),
		Began: m.g.clock.Now().Format("2006-01-02 15:04:05.000")}
	g.changed()
	m.after(g.cfg.CloneSeconds, func() { g.finishClone(m, donor) })
}

// finishClone copies the donor's durable state and restarts the recipient (RESTART after clone).
func (g *Group) finishClone(m, donor *Member) {
	m.gtid = donor.gtid
	m.purged = donor.gtid
	m.accounts = donor.accounts.clone()
	m.cloneState.State = "Completed"
	m.cloneState.GTIDs = donor.gtid.String()
	m.cloneState.Done = g.clock.Now().Format("2006-01-02 15:04:05.000")
	m.logf("System", "MY-013457", "InnoDB", "Clone End PAGE COPY: %s", strings.ReplaceAll(donor.cfg.Name, "'", ""))
	g.restartAfterClone(m)
}

func (g *Group) restartAfterClone(m *Member) {
	g.crash(m)
	if m.cfg.Unsupervised {
		m.cloneState.ErrorNo = 3707
		m.cloneState.ErrorMsg = errRestartNotSupervised().Message
		return
	}
	g.after(g.cfg.BootSeconds, func() {
		if !m.up {
			m.boot()
			g.connectivityChanged()
		}
	})
}
