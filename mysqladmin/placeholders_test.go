package mysqladmin

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// Every value a method sends (user names, passwords, hosts, seeds, a server_uuid) travels as a placeholder
// argument: none appears in the text of any statement, whatever it holds.
func TestValuesTravelAsPlaceholders(t *testing.T) {
	const user, pw, host, uuid = `o'user\x`, "p'w\\\"\x00\n", `h'ost\`, `u'uid\`
	a := Account{User: user, Password: pw}
	ctx := context.Background()
	calls := map[string]func(Instance) error{
		"replication user": func(i Instance) error { return i.EnsureReplicationUser(ctx, a) },
		"local user":       func(i Instance) error { return i.EnsureLocalReplicationUser(ctx, a) },
		"admin user":       func(i Instance) error { return i.EnsureAdminUser(ctx, a) },
		"router user":      func(i Instance) error { return i.EnsureRouterUser(ctx, a) },
		"password":         func(i Instance) error { return i.SetPassword(ctx, user, []string{host}, pw) },
		"seeds":            func(i Instance) error { return i.SetGroupSeeds(ctx, []string{host + ":3306"}) },
		"bootstrap":        func(i Instance) error { return i.BootstrapGroup(ctx, a) },
		"join":             func(i Instance) error { return i.StartGroupReplication(ctx, a) },
		"force members":    func(i Instance) error { return i.ForceMembers(ctx, []string{host + ":3306"}) },
		"clone":            func(i Instance) error { return i.CloneFrom(ctx, host, 3306, a) },
		"switchover":       func(i Instance) error { return i.SetPrimary(ctx, uuid, time.Second) },
	}
	for name, call := range calls {
		r := newRecorder()
		if err := call(New(r)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, stmt := range r.raw {
			for _, v := range []string{"o'user", "p'w", "h'ost", "u'uid", quote(user)} {
				if strings.Contains(stmt, v) {
					t.Errorf("%s: value %q spliced into %q", name, v, stmt)
				}
			}
		}
		// The statements the server runs after substitution still carry each value, escaped.
		if got := r.transcript(); !strings.Contains(got, quote(user)) && !strings.Contains(got, quote(host+":3306")) &&
			!strings.Contains(got, quote(uuid)) {
			t.Errorf("%s: no value reached the server:\n%s", name, got)
		}
	}
}

// Open leaves the session's SQL mode alone unless it has NO_BACKSLASH_ESCAPES, which it drops (and only it).
func TestOpenClearsNoBackslashEscapes(t *testing.T) {
	for mode, want := range map[string][]string{
		"ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES": {qSQLMode},
		"":                                       {qSQLMode},
		"STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES,NO_ENGINE_SUBSTITUTION": {qSQLMode,
			"SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'"},
		"NO_BACKSLASH_ESCAPES": {qSQLMode, "SET SESSION sql_mode = ''"},
	} {
		r := newRecorder().on(qSQLMode, row(mode))
		if _, err := Open(context.Background(), r); err != nil {
			t.Fatalf("%q: %v", mode, err)
		}
		if !slices.Equal(r.stmts, want) {
			t.Errorf("sql_mode %q:\n%s\nwant:\n%s", mode, r.transcript(), strings.Join(want, "\n"))
		}
	}
	if _, err := Open(context.Background(), newRecorder().fail(qSQLMode, errBoom)); err == nil {
		t.Fatal("Open succeeded on a session whose sql_mode could not be read")
	}
}
