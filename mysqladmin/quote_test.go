package mysqladmin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orca-operator/orca/xprotocol/wire"
)

func TestQuoteEscapesAsTheXPlugin(t *testing.T) {
	cases := map[string]string{
		"":              `''`,
		"plain":         `'plain'`,
		"it's":          `'it\'s'`,
		`back\slash`:    `'back\\slash'`,
		"nul\x00byte":   `'nul\0byte'`,
		"new\nline\r":   `'new\nline\r'`,
		"ctrl-z\x1a":    `'ctrl-z\Z'`,
		`double"quote`:  `'double\"quote'`,
		"ünïcødé ✓":     `'ünïcødé ✓'`,
		`'; DROP x; --`: `'\'; DROP x; --'`,
	}
	for in, want := range cases {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// unquoteMySQL reads a single-quoted literal the way MySQL's lexer does with the default sql_mode
// (manual 11.1.1 "String Literals"): backslash escapes, and a doubled quote stands for one.
func unquoteMySQL(lit string) (string, bool) {
	if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
		return "", false
	}
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\' && i+1 < len(body):
			i++
			b.WriteByte(map[byte]byte{'0': 0, 'n': '\n', 'r': '\r', 'Z': 0x1a, 't': '\t', 'b': '\b'}[body[i]] |
				pickByte(strings.IndexByte("0nrZtb", body[i]) < 0, body[i]))
		case c == '\\':
			return "", false // a lone trailing backslash would escape the closing quote
		case c == '\'' && i+1 < len(body) && body[i+1] == '\'':
			i++
			b.WriteByte('\'')
		case c == '\'':
			return "", false // an unescaped quote ends the literal early: injection
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

func pickByte(cond bool, c byte) byte {
	if cond {
		return c
	}
	return 0
}

// FuzzQuote checks that any string survives quoting: MySQL's lexer reads back exactly the input and
// the literal never ends early.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a'b", `\`, `\'`, "'\\'", "x\x00y", "\x1a\n\r", "ü'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := quote(s)
		got, ok := unquoteMySQL(lit)
		if !ok || got != s {
			t.Fatalf("quote(%q) = %s reads back as %q (ok=%v)", s, lit, got, ok)
		}
		if utf8.ValidString(s) && !utf8.ValidString(lit) {
			t.Fatalf("Quote broke UTF-8: %q", lit)
		}
	})
}

func TestAccountNeverPrintsItsPassword(t *testing.T) {
	a := Account{User: "orca_repl", Password: "hunter2"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10v"} {
		out := fmt.Sprintf(verb, a)
		if strings.Contains(out, "hunter2") || strings.Contains(out, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("%s prints the password: %s", verb, out)
		}
	}
	wrapped := struct{ A Account }{a}
	if out := fmt.Sprintf("%+v", wrapped); strings.Contains(out, "hunter2") || !strings.Contains(out, "orca_repl") {
		t.Errorf("embedded account: %s", out)
	}
	if out := fmt.Sprintf("%+v", &a); strings.Contains(out, "hunter2") {
		t.Errorf("pointer to account: %s", out)
	}
}

// TestErrorsNeverCarryPasswords makes every statement that holds a password fail on a runner that
// echoes the statement into its error, with passwords that need escaping, and checks the error text.
func TestErrorsNeverCarryPasswords(t *testing.T) {
	for _, pw := range []string{"hunter2", `pa'ss\word`, "multi\nline"} {
		repl := Account{User: "orca_repl", Password: pw}
		calls := map[string]func(Instance) error{
			"bootstrap": func(i Instance) error { return i.BootstrapGroup(context.Background(), repl) },
			"join":      func(i Instance) error { return i.StartGroupReplication(context.Background(), repl) },
			"user":      func(i Instance) error { return i.EnsureReplicationUser(context.Background(), repl) },
			"clone":     func(i Instance) error { return i.CloneFrom(context.Background(), "db-1", 3306, repl) },
		}
		for name, call := range calls {
			r := &failingEcho{}
			err := call(New(r))
			if err == nil {
				t.Fatalf("%s: no error", name)
			}
			msg := err.Error()
			if strings.Contains(msg, pw) || strings.Contains(msg, unquoted(quote(pw))) {
				t.Errorf("%s with %q leaks the password: %s", name, pw, msg)
			}
			if !strings.Contains(msg, "<redacted>") {
				t.Errorf("%s: the echoed statement should show <redacted>: %s", name, msg)
			}
			var xe *wire.Error
			if !errors.As(err, &xe) || xe.Code != 1045 {
				t.Errorf("%s: server error code lost: %v", name, err)
			} else if strings.Contains(xe.Msg, pw) || strings.Contains(xe.Msg, unquoted(quote(pw))) {
				t.Errorf("%s: the unwrapped server error still carries the password: %s", name, xe.Msg)
			}
		}
	}
}

// failingEcho fails every statement that carries a password with a server error whose message repeats
// the statement as the server ran it (placeholders substituted); the others succeed.
type failingEcho struct{}

func (failingEcho) Query(_ context.Context, stmt string, args ...any) ([]Row, error) {
	if !strings.Contains(stmt, "PASSWORD") && !strings.Contains(stmt, "IDENTIFIED BY") {
		return nil, nil
	}
	return nil, &wire.Error{Code: 1045, SQLState: "28000", Msg: "denied running " + substitute(stmt, args)}
}

func (f failingEcho) Exec(ctx context.Context, stmt string, args ...any) error {
	_, err := f.Query(ctx, stmt, args...)
	return err
}

func (failingEcho) Close() error { return nil }

func TestRedactKeepsWhatCallersTest(t *testing.T) {
	lost := fmt.Errorf("%w: %w", ErrUnreachable, &wire.Error{Severity: wire.SeverityFatal, Code: 1053,
		SQLState: "08S01", Msg: "shutdown while running IDENTIFIED BY 'hunter2'"})
	err := redact(lost, "hunter2")
	var xe *wire.Error
	if !errors.Is(err, ErrUnreachable) || !errors.As(err, &xe) || xe.Code != 1053 || strings.Contains(err.Error(),
		"hunter2") {
		t.Fatalf("redacted error %v lost its identity or kept the secret", err)
	}
	if plain := errors.New("nothing secret"); redact(plain, "hunter2") != plain { //nolint:errorlint // identity
		t.Fatal("an error without secrets should pass through unchanged")
	}
}
