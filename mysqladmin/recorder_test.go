package mysqladmin

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// reply is a scripted answer to one statement: rows for a query, or an error.
type reply struct {
	rows []Row
	err  error
}

// recorder is a Runner that records every statement, as the server runs it once the X Plugin substituted its
// placeholders (stmts) and as sent (raw), and answers from a script keyed by the substituted text.
// Unscripted statements succeed with no rows. When echo is set, errors carry the statement text, as a
// careless runner or server might, to prove secrets are scrubbed.
type recorder struct {
	stmts  []string
	raw    []string
	script map[string]reply
	echo   bool
	closed bool
}

func newRecorder() *recorder { return &recorder{script: map[string]reply{}} }

func (r *recorder) on(stmt string, rows ...Row) *recorder {
	r.script[stmt] = reply{rows: rows}
	return r
}

func (r *recorder) fail(stmt string, err error) *recorder {
	r.script[stmt] = reply{err: err}
	return r
}

func (r *recorder) answer(raw string, args []any) ([]Row, error) {
	stmt := substitute(raw, args)
	r.raw = append(r.raw, raw)
	r.stmts = append(r.stmts, stmt)
	rep := r.script[stmt]
	if rep.err != nil && r.echo {
		return nil, fmt.Errorf("statement %q: %w", stmt, rep.err)
	}
	return rep.rows, rep.err
}

func (r *recorder) Query(_ context.Context, stmt string, args ...any) ([]Row, error) {
	return r.answer(stmt, args)
}

func (r *recorder) Exec(_ context.Context, stmt string, args ...any) error {
	_, err := r.answer(stmt, args)
	return err
}

// substitute replaces each ? outside single quotes by its argument as the X Plugin writes it: strings
// quoted with backslash escapes (quote), integers as digits.
func substitute(stmt string, args []any) string {
	var b strings.Builder
	quoted := false
	for i := 0; i < len(stmt); i++ {
		c := stmt[i]
		switch {
		case quoted && c == '\\' && i+1 < len(stmt):
			b.WriteByte(c)
			i++
			c = stmt[i]
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted && len(args) > 0:
			if s, ok := args[0].(string); ok {
				b.WriteString(quote(s))
			} else {
				fmt.Fprint(&b, args[0])
			}
			args = args[1:]
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (r *recorder) Close() error { r.closed = true; return nil }

// row builds a Row; the literal "NULL" stands for SQL NULL.
func row(vals ...string) Row {
	out := make(Row, len(vals))
	for i, v := range vals {
		if v != "NULL" {
			out[i] = &vals[i]
		}
	}
	return out
}

func (r *recorder) transcript() string { return strings.Join(r.stmts, "\n") }

var errBoom = errors.New("boom")
