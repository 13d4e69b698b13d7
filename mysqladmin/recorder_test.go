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

// recorder is a Runner that records every statement and answers from a script keyed by the
// statement's text. Unscripted statements succeed with no rows. When echo is set, errors carry the
// statement text, as a careless runner or server might, to prove secrets are scrubbed.
type recorder struct {
	stmts  []string
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

func (r *recorder) answer(stmt string) ([]Row, error) {
	r.stmts = append(r.stmts, stmt)
	rep := r.script[stmt]
	if rep.err != nil && r.echo {
		return nil, fmt.Errorf("statement %q: %w", stmt, rep.err)
	}
	return rep.rows, rep.err
}

func (r *recorder) Query(_ context.Context, stmt string) ([]Row, error) { return r.answer(stmt) }

func (r *recorder) Exec(_ context.Context, stmt string) error {
	_, err := r.answer(stmt)
	return err
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
