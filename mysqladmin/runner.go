package mysqladmin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// Row is one result row; a nil field is SQL NULL.
type Row []*string

// Runner runs statements on one connection to one member. Each "?" of a statement outside quotes, identifiers
// and comments takes the next argument as an X Protocol placeholder: the server substitutes it as a literal
// (xprotocol.Session.Query), so no value is ever spliced into the text here. Errors the server sent are
// returned as (or wrap) *wire.Error so their codes can be tested; an error that is not the server's answer
// means the connection is gone and wraps ErrUnreachable.
type Runner interface {
	// Query runs a statement that returns one result set.
	Query(ctx context.Context, stmt string, args ...any) ([]Row, error)
	// Exec runs a statement whose result is ignored.
	Exec(ctx context.Context, stmt string, args ...any) error
	// Close ends the connection.
	Close() error
}

// XRunner runs statements over an X Protocol session.
type XRunner struct{ S *xprotocol.Session }

// Query implements Runner.
func (r XRunner) Query(ctx context.Context, stmt string, args ...any) ([]Row, error) {
	res, err := r.S.Execute(ctx, stmt, args...)
	if err != nil {
		return nil, connErr(err)
	}
	if len(res.Sets) == 0 {
		return nil, nil
	}
	rows := make([]Row, 0, len(res.Sets[0].Rows))
	for _, in := range res.Sets[0].Rows {
		row := make(Row, len(in))
		for i := range in {
			if !in[i].IsNull() {
				s := in[i].String()
				row[i] = &s
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// Exec implements Runner.
func (r XRunner) Exec(ctx context.Context, stmt string, args ...any) error {
	_, err := r.S.Execute(ctx, stmt, args...)
	return connErr(err)
}

// connErr marks every error that is not the server's answer as ErrUnreachable: the connection is gone. So
// is a FATAL server error (for example ER_SERVER_SHUTDOWN while a clone restarts the server): the server
// closes the session after sending it.
func connErr(err error) error {
	var xe *wire.Error
	if err == nil || (errors.As(err, &xe) && xe.Severity != wire.SeverityFatal) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnreachable, err)
}

// Close implements Runner.
func (r XRunner) Close() error { return r.S.Close() }

// quote returns s as the single-quoted literal the X Plugin substitutes for a placeholder (Query_formatter,
// with escape_string_for_mysql): what a server may echo back in an error, so redact scrubs this form too.
// Statements never carry it: values travel as placeholders.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			b.WriteString("\\'")
		case '\\':
			b.WriteString("\\\\")
		case '"':
			b.WriteString("\\\"")
		case 0:
			b.WriteString("\\0")
		case '\n':
			b.WriteString("\\n")
		case '\r':
			b.WriteString("\\r")
		case 0x1a:
			b.WriteString("\\Z")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// redact replaces every password in a statement's error text, so a server or runner echoing the statement
// back never puts a secret into a log. Both the raw password and its escaped form (as it appears inside
// the statement's quotes) are replaced. The result still matches errors.As for *wire.Error (with the
// message scrubbed too) and errors.Is for ErrUnreachable.
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	scrub := func(text string) string {
		for _, s := range secrets {
			for _, form := range []string{s, unquoted(quote(s))} {
				if form != "" {
					text = strings.ReplaceAll(text, form, "<redacted>")
				}
			}
		}
		return text
	}
	msg := scrub(err.Error())
	if msg == err.Error() {
		return err
	}
	out := &scrubbedError{msg: msg}
	var xe *wire.Error
	if errors.As(err, &xe) {
		out.wrapped = append(out.wrapped, &wire.Error{Severity: xe.Severity, Code: xe.Code,
			SQLState: xe.SQLState, Msg: scrub(xe.Msg)})
	}
	if errors.Is(err, ErrUnreachable) {
		out.wrapped = append(out.wrapped, ErrUnreachable)
	}
	return out
}

// scrubbedError is an error whose text had secrets removed; it unwraps to a scrubbed copy of the server
// error and to ErrUnreachable, never to the original.
type scrubbedError struct {
	msg     string
	wrapped []error
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() []error { return e.wrapped }

// unquoted strips the quotes quote added.
func unquoted(lit string) string { return lit[1 : len(lit)-1] }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func need(rows []Row, cols int, what string) error {
	for _, r := range rows {
		if len(r) != cols {
			return fmt.Errorf("%w: %s returned %d columns, want %d", ErrUnexpectedResult, what, len(r), cols)
		}
	}
	return nil
}
