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
