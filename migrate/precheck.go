package migrate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-sql-driver/mysql"
)

var (
	// ErrMissingPrimaryKey means a statement writes rows of a table that has no primary key on the server: Group
	// Replication refuses the write.
	ErrMissingPrimaryKey = errors.New("a table the migration writes has no primary key")
	// ErrTransactionTooLarge means a statement is predicted to exceed group_replication_transaction_size_limit.
	ErrTransactionTooLarge = errors.New("a statement is predicted to exceed group_replication_transaction_size_limit")
)

// Precheck rules, beside the lint's, as the run's status names them.
const RuleTransactionTooLarge = "TransactionTooLarge"

// LargeTableBytes is the size (data and indexes) above which a table rewrite is an error finding.
const LargeTableBytes = 1 << 30

// TableFacts is what the server says of one table of the schema.
type TableFacts struct {
	// Bytes is data_length + index_length.
	Bytes int64
	// HasPrimaryKey is true when the table has a PRIMARY KEY constraint.
	HasPrimaryKey bool
}

// ServerFacts is what the prechecks read from the server before a run.
type ServerFacts struct {
	// Tables are the schema's base tables, by lower-case name.
	Tables map[string]TableFacts
	// TransactionSizeLimit is group_replication_transaction_size_limit in bytes; 0 is no limit (or no Group
	// Replication, as on MariaDB).
	TransactionSizeLimit int64
}

// readFacts reads the schema's tables (information_schema.tables and table_constraints, DATABASE()) and
// @@GLOBAL.group_replication_transaction_size_limit (unknown on a server without Group Replication: no limit).
func (s *session) readFacts(ctx context.Context) (ServerFacts, error) {
	f := ServerFacts{Tables: map[string]TableFacts{}}
	rows, err := s.conn.QueryContext(ctx, "SELECT table_name, COALESCE(data_length, 0) + COALESCE(index_length, 0) "+
		"FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'")
	if err != nil {
		return f, fmt.Errorf("read the schema's tables: %w", err)
	}
	for rows.Next() {
		var name string
		var t TableFacts
		if err := rows.Scan(&name, &t.Bytes); err != nil {
			_ = rows.Close()
			return f, fmt.Errorf("read the schema's tables: %w", err)
		}
		f.Tables[strings.ToLower(name)] = t
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return f, fmt.Errorf("read the schema's tables: %w", err)
	}
	if err := s.readPrimaryKeys(ctx, f.Tables); err != nil {
		return f, err
	}
	err = s.conn.QueryRowContext(ctx, "SELECT @@GLOBAL.group_replication_transaction_size_limit").
		Scan(&f.TransactionSizeLimit)
	if me := (*mysql.MySQLError)(nil); errors.As(err, &me) && me.Number == 1193 { // ER_UNKNOWN_SYSTEM_VARIABLE
		err = nil
	}
	if err != nil {
		return f, fmt.Errorf("read group_replication_transaction_size_limit: %w", err)
	}
	return f, nil
}

// readPrimaryKeys marks the tables that have a PRIMARY KEY constraint.
func (s *session) readPrimaryKeys(ctx context.Context, tables map[string]TableFacts) error {
	rows, err := s.conn.QueryContext(ctx, "SELECT table_name FROM information_schema.table_constraints "+
		"WHERE table_schema = DATABASE() AND constraint_type = 'PRIMARY KEY'")
	if err != nil {
		return fmt.Errorf("read the schema's primary keys: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("read the schema's primary keys: %w", err)
		}
		if t, ok := tables[strings.ToLower(name)]; ok {
			t.HasPrimaryKey = true
			tables[strings.ToLower(name)] = t
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the schema's primary keys: %w", err)
	}
	return nil
}

var (
	// dmlTarget is the table a row-writing statement names first (a schema-qualified name keeps its table).
	dmlTarget = regexp.MustCompile("(?is)^\\s*(?:INSERT(?:\\s+IGNORE)?(?:\\s+INTO)?|REPLACE(?:\\s+INTO)?|" +
		"UPDATE(?:\\s+IGNORE)?|DELETE(?:\\s+IGNORE)?\\s+FROM)\\s+(?:`?\\w+`?\\.)?`?(\\w+)`?")
	alterTarget = regexp.MustCompile("(?is)^\\s*ALTER\\s+TABLE\\s+(?:`?\\w+`?\\.)?`?(\\w+)`?")
	addsPrimary = regexp.MustCompile(`(?is)\bADD\s+(CONSTRAINT\s+\S+\s+)?PRIMARY\s+KEY\b`)
	wholeTable  = regexp.MustCompile(`(?is)^\s*(UPDATE|DELETE)\b`)
)

// Precheck checks the statements not applied yet against the server's tables: a row written to a table without
// a primary key (unless an earlier statement of the run adds one), a statement changing every row of a table
// whose row images would exceed the transaction size limit (an UPDATE writes before and after images: twice
// the table; a DELETE once), and the size of a table a statement rewrites (an error over LargeTableBytes).
func Precheck(files []File, applied func(version string, index int) bool, facts ServerFacts) []Finding {
	var out []Finding
	fixed := map[string]bool{} // tables an earlier statement gives a primary key
	for _, f := range files {
		for i, st := range f.Statements {
			if applied != nil && applied(f.Version, i) {
				continue
			}
			out = append(out, checkStatement(f.Name, i, st.Text, facts, fixed)...)
		}
	}
	return out
}

func checkStatement(file string, i int, stmt string, facts ServerFacts, fixed map[string]bool) []Finding {
	var out []Finding
	add := func(rule, severity, msg string) {
		out = append(out, Finding{File: file, Index: i, Rule: rule, Severity: severity, Message: msg})
	}
	if m := alterTarget.FindStringSubmatch(stmt); m != nil {
		name := strings.ToLower(m[1])
		if addsPrimary.MatchString(stmt) {
			fixed[name] = true
		}
		if t, ok := facts.Tables[name]; ok && rewrites(stmt) {
			severity := SeverityWarning
			if t.Bytes > LargeTableBytes {
				severity = SeverityError
			}
			add(RuleTableRewrite, severity, fmt.Sprintf("rewrites %s, %d bytes on the server", name, t.Bytes))
		}
	}
	m := dmlTarget.FindStringSubmatch(stmt)
	if m == nil {
		return out
	}
	name := strings.ToLower(m[1])
	t, ok := facts.Tables[name]
	if !ok {
		return out // created by the run, or missing: the lint and the server say
	}
	if !t.HasPrimaryKey && !fixed[name] {
		add(RuleMissingPrimaryKey, SeverityError, "writes rows of "+name+", which has no primary key on the "+
			"server: Group Replication refuses the write")
	}
	limit := facts.TransactionSizeLimit
	if predicted := wholeTableImages(stmt, t); limit > 0 && predicted > limit {
		add(RuleTransactionTooLarge, SeverityError, fmt.Sprintf("changes every row of %s: about %d bytes of "+
			"row images, over group_replication_transaction_size_limit %d", name, predicted, limit))
	}
	return out
}

// rewrites reports whether the lint takes the statement for a table rewrite.
func rewrites(stmt string) bool {
	for _, r := range lintRules {
		if r.rule == RuleTableRewrite && r.match(stmt) {
			return true
		}
	}
	return false
}

// wholeTableImages predicts the row images of an UPDATE or DELETE without WHERE: the whole table once for a
// DELETE, twice (before and after) for an UPDATE; 0 for anything else.
func wholeTableImages(stmt string, t TableFacts) int64 {
	m := wholeTable.FindStringSubmatch(stmt)
	if m == nil || re(`\bWHERE\b`)(stmt) {
		return 0
	}
	if strings.EqualFold(m[1], "UPDATE") {
		return 2 * t.Bytes
	}
	return t.Bytes
}

// precheckError is the error of findings that refuse a run whatever the lint policy: the server would refuse
// the statement, or the group would.
func precheckError(findings []Finding) error {
	for _, f := range findings {
		if f.Severity != SeverityError {
			continue
		}
		switch f.Rule {
		case RuleMissingPrimaryKey:
			return fmt.Errorf("%s statement %d: %s: %w", f.File, f.Index, f.Message, ErrMissingPrimaryKey)
		case RuleTransactionTooLarge:
			return fmt.Errorf("%s statement %d: %s: %w", f.File, f.Index, f.Message, ErrTransactionTooLarge)
		}
	}
	return nil
}
