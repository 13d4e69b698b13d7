package backup

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Sequence is a MariaDB SEQUENCE: its DDL and where it stood at the snapshot. A sequence is a one-row table
// whose row must not be INSERTed like data: it is created from its DDL and moved with SETVAL.
type Sequence struct {
	Name string `json:"name"`
	SQL  string `json:"sql"`
	// Next is next_not_cached_value: every value handed out before the snapshot (cached ones included) lies
	// before it, so a restored sequence never hands out one of them again.
	Next int64 `json:"next"`
	// Cycles is cycle_count, the rounds a CYCLE sequence went through.
	Cycles int64 `json:"cycles"`
}

// readSequences reads the named sequences of db through the snapshot connection.
func readSequences(ctx context.Context, c querier, db string, names []string) ([]Sequence, error) {
	var out []Sequence
	for _, n := range names {
		name := quoteIdent(db) + "." + quoteIdent(n)
		text, _, err := showCreate(ctx, c, "SHOW CREATE SEQUENCE "+name, "Create Table")
		if err != nil {
			return nil, err
		}
		s := Sequence{Name: n, SQL: text}
		if err := c.QueryRowContext(ctx, "SELECT next_not_cached_value, cycle_count FROM "+name).
			Scan(&s.Next, &s.Cycles); err != nil {
			return nil, fmt.Errorf("read sequence %s.%s: %w", db, n, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// restoreSequences creates a database's sequences (before its tables: a column may default to NEXTVAL of one)
// and sets each to the value it had at the snapshot. A sequence half-made by a killed run is made again.
func restoreSequences(ctx context.Context, c *sql.Conn, d Database) error {
	for _, s := range d.Sequences {
		if !strings.HasPrefix(s.SQL, "CREATE SEQUENCE ") {
			return fmt.Errorf("%w: sequence %s.%s: unexpected DDL", ErrCorrupt, d.Name, s.Name)
		}
		name := quoteIdent(d.Name) + "." + quoteIdent(s.Name)
		err := execAll(ctx, c, "USE "+quoteIdent(d.Name), "DROP SEQUENCE IF EXISTS "+name, s.SQL,
			"DO SETVAL("+name+", "+strconv.FormatInt(s.Next, 10)+", 0, "+strconv.FormatInt(s.Cycles, 10)+")")
		if err != nil {
			return fmt.Errorf("create sequence %s.%s: %w", d.Name, s.Name, err)
		}
	}
	return nil
}

// verifySequences compares each restored sequence's next value with the snapshot's.
func verifySequences(ctx context.Context, c *sql.Conn, m *Manifest) []string {
	var bad []string
	for _, d := range m.Databases {
		for _, s := range d.Sequences {
			var next, cycles int64
			err := c.QueryRowContext(ctx, "SELECT next_not_cached_value, cycle_count FROM "+quoteIdent(d.Name)+
				"."+quoteIdent(s.Name)).Scan(&next, &cycles)
			switch {
			case err != nil:
				bad = append(bad, fmt.Sprintf("sequence %s.%s: %v", d.Name, s.Name, err))
			case next != s.Next || cycles != s.Cycles:
				bad = append(bad, fmt.Sprintf("sequence %s.%s (next %d, want %d; cycles %d, want %d)", d.Name,
					s.Name, next, s.Next, cycles, s.Cycles))
			}
		}
	}
	return bad
}
