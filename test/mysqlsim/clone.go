package mysqlsim

import (
	"strings"
	"time"
)

// Clone states (STATE of performance_schema.clone_status).
const (
	cloneInProgress = "In Progress"
	cloneCompleted  = "Completed"
	cloneFailed     = "Failed"
)

// cloneStatus is the row of performance_schema.clone_status (MySQL 8.4 manual, "Monitoring Cloning
// Operations"). It is on disk: the row of a completed clone is still there after the restart the
// clone caused.
type cloneStatus struct {
	ID          int
	State       string // Not Started, In Progress, Completed, Failed
	Source      string
	ErrorNo     int
	ErrorMsg    string
	GTIDs       string
	Began, Done string
	inc         int // the recipient incarnation that runs it
}

func cloneTime(t time.Time) string { return t.Format("2006-01-02 15:04:05.000") }

// cloning says whether a clone runs on m now: a second CLONE INSTANCE fails (ER 3634).
func (m *Member) cloning() bool {
	return m.cloneState.State == cloneInProgress && m.cloneState.inc == m.incarnation && m.up
}

// startClone begins copying donor into m. The server does the work: it goes on when the client
// that asked disconnects, and ends CloneSeconds later.
func (g *Group) startClone(m, donor *Member, source string) {
	m.cloneState = cloneStatus{ID: 1, State: cloneInProgress, Source: source, Began: cloneTime(g.clock.Now()),
		inc: m.incarnation}
	g.changed()
	m.after(g.cfg.CloneSeconds, func() { g.finishClone(m, donor) })
}

// cloneFailed records a failed clone in clone_status.
func (m *Member) cloneFailed(code int, msg string) {
	m.cloneState.State, m.cloneState.ErrorNo, m.cloneState.ErrorMsg = cloneFailed, code, msg
	m.cloneState.Done = cloneTime(m.g.clock.Now())
	m.g.changed()
}

// finishClone copies the donor's durable state (own server_uuid and mysqld-auto.cnf kept, relay logs
// not cloned) and restarts the recipient. A donor that went away fails the clone.
func (g *Group) finishClone(m, donor *Member) {
	if m.cloneState.State != cloneInProgress {
		return
	}
	if !donor.up || g.partition[donor] != g.partition[m] {
		m.cloneFailed(3862, "Clone Donor Error: 2013 : Lost connection to MySQL server during query.")
		if m.grRunning {
			m.grLog("ERROR", "MY-013465", "There was an issue when cloning from another server: Error number: 3862 "+
				"Error message: %s", m.cloneState.ErrorMsg)
			g.leaveWithError(m, false)
		}
		return
	}
	m.gtid = donor.gtid
	m.purged = donor.gtid
	m.accounts = donor.accounts.clone()
	m.dataVer = donor.dataVer // the recipient's binary upgrades the cloned data dictionary if it is newer
	m.resetRelayLogs()
	m.cloneState.State = cloneCompleted
	m.cloneState.GTIDs = donor.gtid.String()
	m.cloneState.Done = cloneTime(g.clock.Now())
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
			_ = m.boot()
			g.connectivityChanged()
		}
	})
}

// interruptClone marks a clone the recipient's shutdown cut short.
func (m *Member) interruptClone() {
	if m.cloneState.State == cloneInProgress {
		m.cloneFailed(1317, "Query execution was interrupted")
	}
}
