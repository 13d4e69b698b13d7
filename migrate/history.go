package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// HistoryTable is the history table the runner keeps in the connection's schema; LockTable holds the fencing
// token. Both have primary keys, as Group Replication requires.
const (
	HistoryTable = "orca_schema_history"
	LockTable    = "orca_schema_lock"
)

// Flavor is the server's kind, which decides how the GTID position is read.
type Flavor string

const (
	// FlavorMySQL reads @@GLOBAL.gtid_executed.
	FlavorMySQL Flavor = "MySQL"
	// FlavorMariaDB reads @@GLOBAL.gtid_binlog_pos.
	FlavorMariaDB Flavor = "MariaDB"
)

// row is one statement's history row.
type row struct {
	version  string
	index    int
	file     string
	checksum string
	pending  bool
	gtid     string
	// statements is the file's statement count when the row was written; stmtChecksum the statement's SHA-256.
	statements   int
	stmtChecksum string
}

// historyKey identifies a statement.
type historyKey struct {
	version string
	index   int
}

// session is the runner's one connection and the SQL it runs.
type session struct {
	conn   *sql.Conn
	flavor Flavor
}

// detectFlavor runs SELECT VERSION(): MariaDB says so in its version string.
func detectFlavor(ctx context.Context, c *sql.Conn) (Flavor, error) {
	var v string
	if err := c.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return "", fmt.Errorf("read the server version: %w", err)
	}
	if strings.Contains(strings.ToLower(v), "mariadb") {
		return FlavorMariaDB, nil
	}
	return FlavorMySQL, nil
}

// ensureTables runs CREATE TABLE IF NOT EXISTS for the history and lock tables.
func (s *session) ensureTables(ctx context.Context) error {
	for _, q := range []string{
		"CREATE TABLE IF NOT EXISTS " + HistoryTable + ` (
  version VARCHAR(128) NOT NULL,
  statement_index INT NOT NULL,
  file VARCHAR(255) NOT NULL,
  checksum CHAR(64) NOT NULL,
  statements INT NOT NULL,
  statement_checksum CHAR(64) NOT NULL,
  state ENUM('pending','applied') NOT NULL,
  gtid TEXT NULL,
  run VARCHAR(253) NOT NULL,
  fencing_token BIGINT NOT NULL,
  applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (version, statement_index)
) ENGINE=InnoDB`,
		"CREATE TABLE IF NOT EXISTS " + LockTable + ` (
  id TINYINT NOT NULL PRIMARY KEY,
  fencing_token BIGINT NOT NULL,
  holder VARCHAR(253) NOT NULL
) ENGINE=InnoDB`,
	} {
		if _, err := s.conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create the history tables: %w", err)
		}
	}
	return nil
}

// raiseFence stores token as the lock table's fencing token unless a higher one is there (INSERT ... ON
// DUPLICATE KEY UPDATE with GREATEST), then reads it back: ErrLockLost when a newer holder raised it.
func (s *session) raiseFence(ctx context.Context, token int64, holder string) error {
	_, err := s.conn.ExecContext(ctx, "INSERT INTO "+LockTable+" (id, fencing_token, holder) VALUES (1, ?, ?) "+
		"ON DUPLICATE KEY UPDATE holder = IF(VALUES(fencing_token) >= fencing_token, VALUES(holder), holder), "+
		"fencing_token = GREATEST(fencing_token, VALUES(fencing_token))", token, holder)
	if err != nil {
		return fmt.Errorf("store the fencing token: %w", err)
	}
	var stored int64
	if err := s.conn.QueryRowContext(ctx, "SELECT fencing_token FROM "+LockTable+" WHERE id = 1").
		Scan(&stored); err != nil {
		return fmt.Errorf("read the fencing token: %w", err)
	}
	if stored != token {
		return fmt.Errorf("fencing token %d is older than the stored %d: %w", token, stored, ErrLockLost)
	}
	return nil
}

// checkFence runs SELECT fencing_token ... FOR UPDATE inside tx: the row lock orders this statement against
// any newer holder's raiseFence.
func checkFence(ctx context.Context, tx *sql.Tx, token int64) error {
	var stored int64
	if err := tx.QueryRowContext(ctx, "SELECT fencing_token FROM "+LockTable+" WHERE id = 1 FOR UPDATE").
		Scan(&stored); err != nil {
		return fmt.Errorf("read the fencing token: %w", err)
	}
	if stored != token {
		return fmt.Errorf("fencing token %d, stored %d: %w", token, stored, ErrLockLost)
	}
	return nil
}

// readHistory runs SELECT version, statement_index, file, checksum, state, gtid, statements, statement_checksum
// FROM the history table.
func (s *session) readHistory(ctx context.Context) (map[historyKey]row, error) {
	rows, err := s.conn.QueryContext(ctx, "SELECT version, statement_index, file, checksum, state, "+
		"IFNULL(gtid, ''), statements, statement_checksum FROM "+
		HistoryTable)
	if err != nil {
		return nil, fmt.Errorf("read the history: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := map[historyKey]row{}
	for rows.Next() {
		var r row
		var state string
		if err := rows.Scan(&r.version, &r.index, &r.file, &r.checksum, &state, &r.gtid, &r.statements,
			&r.stmtChecksum); err != nil {
			return nil, fmt.Errorf("read the history: %w", err)
		}
		r.pending = state == "pending"
		out[historyKey{r.version, r.index}] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the history: %w", err)
	}
	return out, nil
}

const insertHistory = "INSERT INTO " + HistoryTable +
	" (version, statement_index, file, checksum, statements, statement_checksum, state, run, fencing_token)" +
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"

// markApplied runs UPDATE ... SET state = 'applied', gtid = ? for a statement whose row was pending.
func (s *session) markApplied(ctx context.Context, k historyKey, gtid string) error {
	_, err := s.conn.ExecContext(ctx, "UPDATE "+HistoryTable+" SET state = 'applied', gtid = NULLIF(?, '') "+
		"WHERE version = ? AND statement_index = ?", gtid, k.version, k.index)
	if err != nil {
		return fmt.Errorf("record statement %d of version %s: %w", k.index, k.version, err)
	}
	return nil
}

// setGTID runs UPDATE ... SET gtid = ? for a statement's row.
func (s *session) setGTID(ctx context.Context, k historyKey, gtid string) error {
	_, err := s.conn.ExecContext(ctx, "UPDATE "+HistoryTable+" SET gtid = NULLIF(?, '') "+
		"WHERE version = ? AND statement_index = ?", gtid, k.version, k.index)
	if err != nil {
		return fmt.Errorf("record the GTID after version %s: %w", k.version, err)
	}
	return nil
}

// dropPending runs DELETE ... WHERE state = 'pending' for a statement that failed.
func (s *session) dropPending(ctx context.Context, k historyKey) error {
	_, err := s.conn.ExecContext(ctx, "DELETE FROM "+HistoryTable+
		" WHERE version = ? AND statement_index = ? AND state = 'pending'", k.version, k.index)
	if err != nil {
		return fmt.Errorf("forget the failed statement %d of version %s: %w", k.index, k.version, err)
	}
	return nil
}

// gtidPosition reads @@GLOBAL.gtid_executed (MySQL) or @@GLOBAL.gtid_binlog_pos (MariaDB).
func (s *session) gtidPosition(ctx context.Context) (string, error) {
	q := "SELECT @@GLOBAL.gtid_executed"
	if s.flavor == FlavorMariaDB {
		q = "SELECT @@GLOBAL.gtid_binlog_pos"
	}
	var pos sql.NullString
	if err := s.conn.QueryRowContext(ctx, q).Scan(&pos); err != nil {
		return "", fmt.Errorf("read the GTID position: %w", err)
	}
	return pos.String, nil
}

// errorCode is the MySQL error number of err, 0 when it has none.
func errorCode(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}
