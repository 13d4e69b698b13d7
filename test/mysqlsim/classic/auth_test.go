package classic

import (
	"context"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestNativePasswordLogin(t *testing.T) {
	for _, defaultPlugin := range []string{PluginNative, PluginCachingSHA2} {
		t.Run("greeting "+defaultPlugin, func(t *testing.T) {
			logs := &logSink{}
			s := &Server{Handler: newTestHandler(), Credentials: testAccounts, DefaultAuthPlugin: defaultPlugin,
				Logger: logs.logger()}
			addr := start(t, s)
			db := openDB(t, addr, "native", "native-pw", nil)
			if got := queryString(t, db, "SELECT CURRENT_USER()"); got != "native@127.0.0.1" {
				t.Fatalf("CURRENT_USER() = %q", got)
			}
			// go-sql-driver answers the greeting's plugin; the native account makes the server switch
			// exactly when the greeting named caching_sha2_password.
			wantSwitch := defaultPlugin != PluginNative
			if n := logs.count(`"switched"=` + map[bool]string{true: "true", false: "false"}[wantSwitch]); n != 1 {
				t.Fatalf("want one login with switched=%v, logs: %v", wantSwitch, logs.lines)
			}
		})
	}
}

func TestCachingSHA2FullThenFastAuth(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		name := map[bool]string{false: "RSA without TLS", true: "cleartext over TLS"}[tlsOn]
		t.Run(name, func(t *testing.T) {
			logs := &logSink{}
			s, _, addr := newTestServer(t, tlsOn, func(s *Server) { s.Logger = logs.logger() })
			edit := func(c *mysql.Config) {
				if tlsOn {
					c.TLS = clientTLS(s)
				}
			}
			full := map[bool]string{false: `"path"="full-rsa"`, true: `"path"="full-cleartext"`}[tlsOn]
			for i, want := range []string{full, `"path"="fast"`, `"path"="fast"`} {
				db := openDB(t, addr, "sha2", "sha2-pw", edit)
				if err := db.Ping(); err != nil {
					t.Fatalf("login %d: %v", i+1, err)
				}
				if n := logs.count(want); n < 1 {
					t.Fatalf("login %d: no log with %s: %v", i+1, want, logs.lines)
				}
				_ = db.Close()
			}
			if n := logs.count(full); n != 1 {
				t.Fatalf("want exactly one full authentication, got %d", n)
			}
			// After FLUSH PRIVILEGES the next login is a full one again.
			s.FlushAuthCache()
			db := openDB(t, addr, "sha2", "sha2-pw", edit)
			if err := db.Ping(); err != nil {
				t.Fatal(err)
			}
			if n := logs.count(full); n != 2 {
				t.Fatalf("want a second full authentication after the flush, got %d", n)
			}
		})
	}
}

func TestCachingSHA2GeneratesRSAKeyOnDemand(t *testing.T) {
	s := &Server{Handler: newTestHandler(), Credentials: testAccounts}
	addr := start(t, s)
	db := openDB(t, addr, "deflt", "default-pw", nil)
	if got := queryString(t, db, "SELECT 1"); got != "1" {
		t.Fatalf("SELECT 1 = %q", got)
	}
	if s.keys.key == nil || s.keys.key.N.BitLen() != 2048 {
		t.Fatal("server did not generate a 2048-bit RSA key")
	}
}

func TestAccessDenied(t *testing.T) {
	s, _, addr := newTestServer(t, true)
	// Warm the fast-auth cache so the wrong password below is also checked on the fast path.
	if err := openDB(t, addr, "sha2", "sha2-pw", nil).Ping(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, user, password string
		tls                  bool
		usingPassword        string
	}{
		{"native wrong password", "native", "nope", false, "YES"},
		{"sha2 wrong password fast path", "sha2", "nope", false, "YES"},
		{"sha2 wrong password full path over TLS", "deflt", "nope", true, "YES"},
		{"sha2 wrong password full path RSA", "deflt", "nope", false, "YES"},
		{"unknown user", "ghost", "whatever", false, "YES"},
		{"unknown user over TLS", "ghost", "whatever", true, "YES"},
		{"missing password", "native", "", false, "NO"},
		{"missing password sha2", "sha2", "", false, "NO"},
		{"password for passwordless account", "nopw", "x", false, "YES"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t, addr, tc.user, tc.password, func(c *mysql.Config) {
				if tc.tls {
					c.TLS = clientTLS(s)
				}
			})
			err := db.PingContext(context.Background())
			expectMySQLError(t, err, 1045, "28000",
				"Access denied for user '"+tc.user+"'@'127.0.0.1' (using password: "+tc.usingPassword+")")
		})
	}
}

func TestEmptyPasswordAccounts(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	for _, user := range []string{"nopw", "nopwnat"} {
		if err := openDB(t, addr, user, "", nil).Ping(); err != nil {
			t.Fatalf("%s: %v", user, err)
		}
	}
}

func TestNoCredentialStoreRefusesEveryone(t *testing.T) {
	addr := start(t, &Server{Handler: newTestHandler()})
	err := openDB(t, addr, "root", "", nil).Ping()
	expectMySQLError(t, err, 1045, "28000", "Access denied for user 'root'@'127.0.0.1' (using password: NO)")
}

func TestPasswordChangeEvictsFastAuth(t *testing.T) {
	accounts := StaticCredentials{"u": {Password: "old", Plugin: PluginCachingSHA2}}
	s := &Server{Handler: newTestHandler(), Credentials: CredentialFunc(func(user, host string) (Account, bool) {
		return accounts.LookupAccount(user, host)
	}), RSAKey: testRSAKey(t)}
	addr := start(t, s)
	var edit func(*mysql.Config)
	if err := openDB(t, addr, "u", "old", edit).Ping(); err != nil {
		t.Fatal(err)
	}
	accounts["u"] = Account{Password: "new", Plugin: PluginCachingSHA2} // no concurrent logins here
	expectMySQLError(t, openDB(t, addr, "u", "old", edit).Ping(), 1045, "28000",
		"Access denied for user 'u'@'127.0.0.1' (using password: YES)")
	if err := openDB(t, addr, "u", "new", edit).Ping(); err != nil {
		t.Fatal(err)
	}
}

func TestInitialSchema(t *testing.T) {
	_, _, addr := newTestServer(t, false, func(s *Server) {
		s.CheckSchema = func(_ context.Context, _ *Conn, schema string) error {
			if schema != "app" {
				return NewSQLError(ErBadDB, "42000", "Unknown database '%s'", schema)
			}
			return nil
		}
	})
	db := openDB(t, addr, "native", "native-pw", func(c *mysql.Config) { c.DBName = "app" })
	if got := queryString(t, db, "SELECT DATABASE()"); got != "app" {
		t.Fatalf("DATABASE() = %q", got)
	}
	bad := openDB(t, addr, "native", "native-pw", func(c *mysql.Config) { c.DBName = "nope" })
	expectMySQLError(t, bad.Ping(), 1049, "42000", "Unknown database 'nope'")
	none := openDB(t, addr, "native", "native-pw", nil)
	if got := queryString(t, none, "SELECT DATABASE()"); got != "NULL" {
		t.Fatalf("DATABASE() without schema = %q", got)
	}
}

// A client that already holds the server's public key sends the encrypted password without asking for it.
func TestCachingSHA2WithKnownPublicKey(t *testing.T) {
	logs := &logSink{}
	_, _, addr := newTestServer(t, false, func(s *Server) { s.Logger = logs.logger() })
	mysql.RegisterServerPubKey("classic-test", &testRSAKey(t).PublicKey)
	db := openDB(t, addr, "sha2", "sha2-pw", func(c *mysql.Config) { c.ServerPubKey = "classic-test" })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	if logs.count(`"path"="full-rsa"`) != 1 {
		t.Fatalf("want one RSA full authentication: %v", logs.lines)
	}
}
