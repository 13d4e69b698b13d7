package backup

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// snapshot is N connections inside transactions that all see the same point, and the lock connection.
type snapshot struct {
	lock     *sql.Conn
	conns    []*sql.Conn
	flavor   flavor
	position Position
}

// dumpSession is every dump connection's session: UTC timestamps, a long write timeout for slow uploads.
var dumpSession = []string{
	"SET SESSION time_zone = '+00:00'",
	"SET SESSION net_write_timeout = 3600",
	"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
}

// openSnapshot takes the global lock only while it opens n consistent-snapshot transactions and reads the
// position, then releases it. On MySQL, LOCK INSTANCE FOR BACKUP (blocks DDL, not writes) stays held until
// close. Every lock is session-scoped: a killed backup's locks die with its connections, and nothing else on the
// source is changed.
func openSnapshot(ctx context.Context, db *sql.DB, n int, f flavor, lockWait int) (_ *snapshot, err error) {
	s := &snapshot{flavor: f}
	defer func() { // s, not the result: a failed open returns nil and must still release what it took
		if err != nil {
			s.close()
		}
	}()
	if s.lock, err = db.Conn(ctx); err != nil {
		return nil, fmt.Errorf("open lock connection: %w", err)
	}
	if err := execAll(ctx, s.lock, fmt.Sprintf("SET SESSION lock_wait_timeout = %d", lockWait)); err != nil {
		return nil, err
	}
	if err := execAll(ctx, s.lock, lockStatements(f)...); err != nil {
		return nil, fmt.Errorf("take the backup lock: %w", err)
	}
	for range n {
		c, err := db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("open snapshot connection: %w", err)
		}
		s.conns = append(s.conns, c)
		stmts := append(append([]string{}, dumpSession...), "START TRANSACTION WITH CONSISTENT SNAPSHOT")
		if err := execAll(ctx, c, stmts...); err != nil {
			return nil, err
		}
	}
	if s.position, err = readPosition(ctx, s.lock, f); err != nil {
		return nil, err
	}
	if err := execAll(ctx, s.lock, unlockStatement(f)); err != nil {
		return nil, fmt.Errorf("release the global lock: %w", err)
	}
	return s, nil
}

func lockStatements(f flavor) []string {
	if f == flavorMariaDB {
		// MariaDB's equivalent of the instance lock plus a short global read lock.
		return []string{"BACKUP STAGE START", "BACKUP STAGE BLOCK_COMMIT"}
	}
	return []string{"LOCK INSTANCE FOR BACKUP", "FLUSH TABLES WITH READ LOCK"}
}

func unlockStatement(f flavor) string {
	if f == flavorMariaDB {
		return "BACKUP STAGE END"
	}
	return "UNLOCK TABLES"
}

func readPosition(ctx context.Context, c *sql.Conn, f flavor) (Position, error) {
	var p Position
	gtidVar := "@@GLOBAL.gtid_executed"
	if f == flavorMariaDB {
		gtidVar = "@@GLOBAL.gtid_binlog_pos"
	}
	if err := c.QueryRowContext(ctx, "SELECT "+gtidVar).Scan(&p.GTIDSet); err != nil {
		return p, fmt.Errorf("read the GTID set: %w", err)
	}
	p.GTIDSet = strings.ReplaceAll(p.GTIDSet, "\n", "")
	file, pos, err := binlogStatus(ctx, c)
	if err != nil {
		return p, err
	}
	p.BinlogFile, p.BinlogPos = file, pos
	return p, nil
}

// binlogStatus reads the current binary log file and position; empty when binary logging is off.
// MySQL 8.4 renamed SHOW MASTER STATUS to SHOW BINARY LOG STATUS.
func binlogStatus(ctx context.Context, c *sql.Conn) (string, uint64, error) {
	var lastErr error
	for _, q := range []string{"SHOW BINARY LOG STATUS", "SHOW MASTER STATUS"} {
		rows, err := c.QueryContext(ctx, q)
		if err != nil {
			lastErr = err
			continue
		}
		rec, err := scanMaps(rows)
		if err != nil {
			return "", 0, fmt.Errorf("%s: %w", q, err)
		}
		if len(rec) == 0 {
			return "", 0, nil
		}
		var pos uint64
		_, _ = fmt.Sscan(rec[0]["Position"], &pos)
		return rec[0]["File"], pos, nil
	}
	return "", 0, fmt.Errorf("read binary log status: %w", lastErr)
}

// close ends the transactions and drops the locks (closing a connection releases them too).
func (s *snapshot) close() {
	ctx := context.Background()
	for _, c := range s.conns {
		_ = execAll(ctx, c, "ROLLBACK")
		_ = c.Close()
	}
	if s.lock != nil {
		if s.flavor == flavorMySQL {
			_ = execAll(ctx, s.lock, "UNLOCK TABLES", "UNLOCK INSTANCE")
		} else {
			_ = execAll(ctx, s.lock, "BACKUP STAGE END")
		}
		_ = s.lock.Close()
	}
}

// scanMaps reads every row as column name -> text (NULL as "").
func scanMaps(rows *sql.Rows) ([]map[string]string, error) {
	defer func() { _ = rows.Close() }()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]string, len(cols))
		for i, c := range cols {
			m[c] = vals[i].String
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
