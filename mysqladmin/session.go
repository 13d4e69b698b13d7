package mysqladmin

import (
	"context"
	"fmt"
	"strings"
)

// qSQLMode reads the session's SQL mode, which it inherits from the server's global sql_mode.
const qSQLMode = "SELECT @@SESSION.sql_mode"

// noBackslashEscapes is the SQL mode under which a backslash in a string is an ordinary byte (manual 7.1.11
// "Server SQL Modes"; 11.1.1 "String Literals" lists the escapes it turns off).
const noBackslashEscapes = "NO_BACKSLASH_ESCAPES"

// Open readies an admin session for placeholders and returns its Instance. The X Plugin substitutes each
// placeholder textually, quoting strings with backslash escapes whatever the session's SQL mode
// (plugin/x/src/query_formatter.cc, escape_string_for_mysql): under NO_BACKSLASH_ESCAPES a quote in a password
// would end its literal early. So Open removes that one mode from the session (the server's setting and every
// other session stay as they are):
//
//	SELECT @@SESSION.sql_mode
//	SET SESSION sql_mode = 'the same modes but NO_BACKSLASH_ESCAPES'   (only when it was set)
//
// The value set is mode names only (letters, digits, '_' and ','), safe under either reading of a backslash.
func Open(ctx context.Context, r Runner) (Instance, error) {
	rows, err := r.Query(ctx, qSQLMode)
	if err != nil {
		return nil, fmt.Errorf("read the session's sql_mode: %w", err)
	}
	if len(rows) != 1 || need(rows, 1, "sql_mode") != nil {
		return nil, fmt.Errorf("%w: sql_mode returned %d rows", ErrUnexpectedResult, len(rows))
	}
	if mode, drop := withoutMode(str(rows[0][0]), noBackslashEscapes); drop {
		if err := r.Exec(ctx, "SET SESSION sql_mode = ?", mode); err != nil {
			return nil, fmt.Errorf("clear %s for this session: %w", noBackslashEscapes, err)
		}
	}
	return New(r), nil
}

// withoutMode removes one mode from a comma-separated sql_mode and says whether it was there.
func withoutMode(modes, mode string) (string, bool) {
	parts := strings.Split(modes, ",")
	kept := parts[:0]
	for _, p := range parts {
		if !strings.EqualFold(strings.TrimSpace(p), mode) {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ","), len(kept) != len(parts)
}
