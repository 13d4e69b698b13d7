package mysqladmin_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/orca-operator/orca/internal/tlsca"
	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/mysqladmin"
	"github.com/orca-operator/orca/test/mysqlsim"
	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// strictMode is a server-wide sql_mode with NO_BACKSLASH_ESCAPES, as a user's spec.config may set it.
const strictMode = "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES,NO_ENGINE_SUBSTITUTION"

// servedMember is one simulated member whose global sql_mode is strictMode, served over TLS on 127.0.0.1
// under the name memberHost(0); Connect reaches it through mysqladmin.Factory and a loopback dialer.
type servedMember struct {
	m     *mysqlsim.Member
	port  int
	trust *tls.Config
	f     mysqladmin.Factory
}

func serveStrictMember(t *testing.T) *servedMember {
	t.Helper()
	g, err := mysqlsim.NewGroup(mysqlsim.Config{Second: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = g.Close() })
	now := time.Now()
	ca, err := tlsca.NewCA("placeholders test CA", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := tlsca.IssueCert(ca, []string{memberHost(0)}, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 2)
	opts := orcaOptions(t, 0)
	opts["sql_mode"] = strictMode
	m, err := g.AddMember(mysqlsim.MemberConfig{Name: "db-0", Host: "127.0.0.1", Port: ports[0], XPort: ports[1],
		Version: "8.4.3", Options: opts, RootPassword: "root-pw",
		TLS: &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	fe := &mysqlsim.Frontends{Group: g}
	if err := fe.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fe.Shutdown)
	dialer := memberdial.NewLoopback()
	if err := dialer.Set(memberHost(0), "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	return &servedMember{m: m, port: ports[1], trust: tlsca.Trust{Bundle: ca.CertPEM}.Config(),
		f: mysqladmin.Factory{Dialer: dialer}}
}

func (sm *servedMember) connect(t *testing.T, a mysqladmin.Account) (mysqladmin.Instance, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return sm.f.Connect(ctx, memberHost(0), sm.port, a, sm.trust)
}

// dial opens a plain X Protocol session, without what mysqladmin.Open does to it.
func (sm *servedMember) dial(t *testing.T, a mysqladmin.Account) *xprotocol.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	trust := sm.trust.Clone()
	trust.ServerName = memberHost(0)
	s, err := xprotocol.Dial(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(sm.port)), xprotocol.Config{User: a.User,
		Password: a.Password, TLSMode: xprotocol.TLSVerifyIdentity, TLSConfig: trust})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// On a server whose sql_mode has NO_BACKSLASH_ESCAPES, accounts whose names and passwords hold quotes and
// backslashes are created through placeholders and log in with exactly those credentials, and values with
// quotes, backslashes and NUL bytes round-trip: the admin session dropped that mode (only for itself). A plain
// session under the server's mode shows what would happen otherwise.
func TestPlaceholdersUnderNoBackslashEscapesOnSimulator(t *testing.T) {
	sm := serveStrictMember(t)
	ctx := context.Background()
	root := mysqladmin.Account{User: "root", Password: "root-pw"}
	in, err := sm.connect(t, root)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Close() }()
	for _, a := range []mysqladmin.Account{
		{User: `o'brien\`, Password: `p'w\"x` + "\n"},
		{User: "orca_admin", Password: `\'; DROP USER root; --`},
	} {
		if err := in.EnsureAdminUser(ctx, a); err != nil {
			t.Fatalf("create %q: %v", a.User, err)
		}
		if acct, ok := sm.m.LookupAccount(a.User, "127.0.0.1"); !ok || acct.Password != a.Password {
			t.Fatalf("account %q: found %v, password as sent %v", a.User, ok, ok && acct.Password == a.Password)
		}
		op, err := sm.connect(t, a)
		if err != nil {
			t.Fatalf("log in as %q: %v", a.User, err)
		}
		_ = op.Close()
	}
	s := sm.dial(t, root)
	if _, err := mysqladmin.Open(ctx, mysqladmin.XRunner{S: s}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"it's", `back\slash`, "nul\x00byte", `\'`, "ctrl-z\x1a\r"} {
		rows, err := mysqladmin.XRunner{S: s}.Query(ctx, "SELECT ?", v)
		if err != nil || len(rows) != 1 || rows[0][0] == nil || *rows[0][0] != v {
			t.Fatalf("SELECT ? with %q: %v %v", v, rows, err)
		}
	}
	if g, ok := sm.m.Var("sql_mode"); !ok || g != strictMode {
		t.Fatalf("the server's sql_mode changed to %q", g)
	}
	plain := sm.dial(t, root)
	var xe *wire.Error
	if _, err := plain.Execute(ctx, "SELECT ?", "it's"); !errors.As(err, &xe) || xe.Code != 1064 {
		t.Fatalf("a plain session under NO_BACKSLASH_ESCAPES: %v, want ERROR 1064 (the test would prove nothing)", err)
	}
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = l.Close() }()
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out
}
