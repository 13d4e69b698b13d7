package mysqlsim

import "strings"

// The statements a logical backup of MySQL 8.4 takes its snapshot with.

// execInstanceLock runs LOCK INSTANCE FOR BACKUP and UNLOCK INSTANCE (MySQL 8.4 manual 15.3.5, "LOCK INSTANCE
// FOR BACKUP and UNLOCK INSTANCE Statements"): the lock needs BACKUP_ADMIN, several sessions may hold it at once,
// it lasts until UNLOCK INSTANCE or the session's end, and UNLOCK INSTANCE without it is no error. The simulator
// records it but does not make other sessions' DDL wait for it (a real server does).
func (m *Member) execInstanceLock(s *Session, first token, p *parser) (Result, error) {
	if first.is("LOCK") {
		if err := p.expect("INSTANCE", "FOR", "BACKUP"); err != nil {
			return Result{}, err
		}
	} else if err := p.expect("INSTANCE"); err != nil {
		return Result{}, err
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	if first.is("LOCK") && !s.hasAny("BACKUP_ADMIN") {
		return Result{}, errSpecificAccess("BACKUP_ADMIN")
	}
	s.backupLock = first.is("LOCK")
	return Result{}, nil
}

// isFlushReadLock recognises FLUSH TABLES WITH READ LOCK (manual 15.7.8.3, "FLUSH Statement"). It runs on the
// session's data-store connection, where MariaDB's global read lock behaves as MySQL's: it waits for running
// statements, blocks commits and writes of every session until UNLOCK TABLES, and consistent-snapshot
// transactions opened meanwhile on other connections all see the same point.
func isFlushReadLock(p *parser) bool {
	i := 1
	for p.peekAt(i).is("LOCAL") || p.peekAt(i).is("NO_WRITE_TO_BINLOG") {
		i++
	}
	return p.peekAt(0).is("FLUSH") && p.peekAt(i).is("TABLES") && p.peekAt(i+1).is("WITH") &&
		p.peekAt(i+2).is("READ") && p.peekAt(i+3).is("LOCK")
}

// checkFlushReadLock is FLUSH's privilege: RELOAD (the manual's FLUSH section).
func (m *Member) checkFlushReadLock(s *Session) error {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	if err := m.sessionUsable(s); err != nil {
		return err
	}
	if !s.hasAny("RELOAD") {
		return errSpecificAccess("RELOAD")
	}
	return nil
}

// setTransaction runs SET [SESSION] TRANSACTION characteristic [, ...] (manual 15.3.7, "SET TRANSACTION
// Statement"): ISOLATION LEVEL {REPEATABLE READ | READ COMMITTED | READ UNCOMMITTED | SERIALIZABLE}, READ WRITE,
// READ ONLY. With SESSION it holds for the session's later transactions, without it for the next one only; the
// data store applies it before the session's next data statement, as it does SET NAMES.
func (m *Member) setTransaction(s *Session, p *parser) (Result, error) {
	scope := ""
	if p.accept("SESSION") || p.accept("LOCAL") {
		scope = "SESSION "
	}
	if err := p.expect("TRANSACTION"); err != nil {
		return Result{}, err
	}
	var parts []string
	for {
		c, err := transactionCharacteristic(p)
		if err != nil {
			return Result{}, err
		}
		parts = append(parts, c)
		if !p.acceptPunct(",") {
			break
		}
	}
	if err := p.end(); err != nil {
		return Result{}, err
	}
	s.dataSets = append(s.dataSets, "SET "+scope+"TRANSACTION "+strings.Join(parts, ", "))
	return Result{}, nil
}

func transactionCharacteristic(p *parser) (string, error) {
	switch {
	case p.acceptSeq("ISOLATION", "LEVEL"):
		for _, level := range [][]string{{"REPEATABLE", "READ"}, {"READ", "COMMITTED"}, {"READ", "UNCOMMITTED"},
			{"SERIALIZABLE"}} {
			if p.acceptSeq(level...) {
				return "ISOLATION LEVEL " + strings.Join(level, " "), nil
			}
		}
	case p.acceptSeq("READ", "WRITE"):
		return "READ WRITE", nil
	case p.acceptSeq("READ", "ONLY"):
		return "READ ONLY", nil
	}
	return "", p.errHere()
}
