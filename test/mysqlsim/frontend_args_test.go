package mysqlsim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// argsSession is an X Protocol session as root on one simulated member served on 127.0.0.1.
func argsSession(t *testing.T) *xprotocol.Session {
	t.Helper()
	g, err := NewGroup(Config{Second: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	ports := freePorts(t, "127.0.0.1", 2)
	m, err := g.AddMember(MemberConfig{Name: "db-0", Host: "127.0.0.1", Port: ports[0], XPort: ports[1],
		RootPassword: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	fe := &Frontends{Group: g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fe.Shutdown)
	_, xAddr, _ := fe.Addrs(m)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := xprotocol.Dial(ctx, xAddr, xprotocol.Config{User: "root", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func argsCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// Placeholders are substituted as the X Plugin does: textually, wherever a literal may stand (account
// statements included), never inside quotes, identifiers or comments.
func TestXPlaceholdersWhereTheXPluginSubstitutes(t *testing.T) {
	s := argsSession(t)
	var a, b string
	if err := s.QueryRow(argsCtx(t), `SELECT '?', ?`, `it's \ here`).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != "?" || b != `it's \ here` {
		t.Fatalf("got %q %q", a, b)
	}
	if err := s.QueryRow(argsCtx(t), `SELECT 'x\'?' /* ? */, ? -- ?`+"\n", 7).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != "x'?" || b != "7" {
		t.Fatalf("got %q %q", a, b)
	}
	for _, stmt := range []string{"CREATE USER ?@'%' IDENTIFIED BY ?", "ALTER USER ?@'%' IDENTIFIED BY ?"} {
		if _, err := s.Execute(argsCtx(t), stmt, "app", `p'w\d`); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// More arguments than placeholders is ERROR 5015; fewer leaves a '?' the parser rejects (ERROR 1064), as on
// MySQL.
func TestXPlaceholderCountMismatch(t *testing.T) {
	s := argsSession(t)
	var xe *wire.Error
	if _, err := s.Execute(argsCtx(t), "SELECT ?", 1, 2); !errors.As(err, &xe) || xe.Code != 5015 {
		t.Fatalf("too many arguments: %v", err)
	}
	if _, err := s.Execute(argsCtx(t), "CREATE USER ?@'%' IDENTIFIED BY ?", "app"); !errors.As(err, &xe) ||
		xe.Code != 1064 {
		t.Fatalf("too few arguments: %v", err)
	}
	if _, err := s.Execute(argsCtx(t), "SELECT '?'", 1); !errors.As(err, &xe) || xe.Code != 5015 {
		t.Fatalf("a quoted '?' is no placeholder: %v", err)
	}
}

// hostileValues need every escape the X Plugin writes (escape_string_for_mysql) and a few it does not.
var hostileValues = []string{"it's", `back\slash`, `\'`, "nul\x00byte", "new\nline\r", "ctrl-z\x1a", `dou"ble`,
	`50\%_off`, "ünïcødé ✓", `'; DROP USER root; --`}

// Every value comes back exactly as sent: the substitution escapes what the lexer unescapes.
func TestXPlaceholderValuesRoundTrip(t *testing.T) {
	s := argsSession(t)
	for _, v := range hostileValues {
		var got string
		if err := s.QueryRow(argsCtx(t), "SELECT ?", v).Scan(&got); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if got != v {
			t.Errorf("sent %q, got %q", v, got)
		}
	}
}

// The X Plugin escapes with backslashes whatever the sql_mode, so under NO_BACKSLASH_ESCAPES (where a backslash
// is an ordinary byte, manual 7.1.11) a backslash comes back doubled and a quote ends the literal early: ERROR
// 1064. Literals the client writes itself follow the mode.
func TestXPlaceholdersUnderNoBackslashEscapes(t *testing.T) {
	s := argsSession(t)
	if _, err := s.Execute(argsCtx(t), "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES'"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := s.QueryRow(argsCtx(t), `SELECT 'a\b'`).Scan(&got); err != nil || got != `a\b` {
		t.Fatalf(`a literal 'a\b' reads %q (%v), want the backslash kept`, got, err)
	}
	if err := s.QueryRow(argsCtx(t), "SELECT ?", `a\b`).Scan(&got); err != nil || got != `a\\b` {
		t.Fatalf(`argument a\b reads %q (%v), want a\\b: the plugin's escape is read literally`, got, err)
	}
	var xe *wire.Error
	if _, err := s.Execute(argsCtx(t), "CREATE USER ?@'%' IDENTIFIED BY ?", "app", "it's"); !errors.As(err, &xe) ||
		xe.Code != 1064 {
		t.Fatalf("a quote in an argument under NO_BACKSLASH_ESCAPES: %v, want ERROR 1064", err)
	}
}

// A placeholder becomes a quoted string, never an identifier: where MySQL's grammar wants a name (a variable,
// a schema, a table) the substituted statement is a syntax error (ERROR 1064), as on MySQL.
func TestXPlaceholderIsNoIdentifier(t *testing.T) {
	s := argsSession(t)
	if _, err := s.Execute(argsCtx(t), "CREATE USER 'app'@'%' IDENTIFIED BY 'x'"); err != nil {
		t.Fatal(err)
	}
	for stmt, arg := range map[string]string{
		"SET GLOBAL ? = ON":                                 "super_read_only",
		"SET PERSIST ? = 'x'":                               "group_replication_group_seeds",
		"GRANT SELECT ON ?.* TO 'app'@'%'":                  "performance_schema",
		"GRANT SELECT ON performance_schema.? TO 'app'@'%'": "replication_group_members",
	} {
		var xe *wire.Error
		if _, err := s.Execute(argsCtx(t), stmt, arg); !errors.As(err, &xe) || xe.Code != 1064 {
			t.Errorf("%s with %q: %v, want ERROR 1064", stmt, arg, err)
		}
	}
}
