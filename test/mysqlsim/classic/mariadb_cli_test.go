package classic

import (
	"bytes"
	"context"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Debian mariadb client (libmariadb / Connector/C) is a second, independent implementation of the
// client side; these tests prove it accepts the server.

// mariadbCLI runs `mariadb -h127.0.0.1 -P<port> args...` and returns stdout, stderr and the exit code.
func mariadbCLI(t *testing.T, addr string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin, err := exec.LookPath("mariadb")
	if err != nil {
		t.Fatalf("mariadb client not installed (package mariadb-client): run `make test-deps` (hack/peers.sh): %v", err)
	}
	port := addr[strings.LastIndex(addr, ":")+1:]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--no-defaults", "-h127.0.0.1", "-P" + port,
		"--connect-timeout=10"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code <= 0 {
		t.Fatalf("run mariadb %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// mustCLI runs the client and fails the test unless it exits 0.
func mustCLI(t *testing.T, addr string, args ...string) string {
	t.Helper()
	out, errOut, code := mariadbCLI(t, addr, args...)
	if code != 0 {
		t.Fatalf("mariadb %v: exit %d: %s", args, code, errOut)
	}
	return out
}

func TestMariaDBClientResultSets(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	login := []string{"-unative", "-pnative-pw", "--batch"}
	cases := []struct{ query, want string }{
		{"SELECT 1", "1\n1\n"},
		{"TYPES", "i\tu\tf\ts\tb\tt\tok\tn\tni\tps\n" +
			"-7\t18446744073709551615\t1.5\théllo\t\\0\x01\x02\t2024-05-17 10:20:30\t1\tNULL\t5\tptr\n" +
			"8\t1\t2.25e20\t\t\t2024-05-17 11:20:30\t0\tNULL\tNULL\tNULL\n"},
		{"MULTI", "a\n1\n2\nb\tc\nx\tNULL\n"},
		{"SELECT 1; SELECT CURRENT_USER()", "1\n1\nCURRENT_USER()\nnative@127.0.0.1\n"},
		{"SELECT DATABASE(); use app; SELECT DATABASE()", "DATABASE()\nNULL\nDATABASE()\napp\n"},
	}
	for _, tc := range cases {
		if got := mustCLI(t, addr, append(login, "-e", tc.query)...); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.query, got, tc.want)
		}
	}
	if got := mustCLI(t, addr, append(login, "-Dapp", "-e", "SELECT DATABASE()")...); got != "DATABASE()\napp\n" {
		t.Errorf("-Dapp: got %q", got)
	}
	// The default table output for a terminal-less run with --table.
	want := "+---+\n| 1 |\n+---+\n| 1 |\n+---+\n"
	if got := mustCLI(t, addr, "-unative", "-pnative-pw", "--table", "-e", "SELECT 1"); got != want {
		t.Errorf("--table:\n got %q\nwant %q", got, want)
	}
}

func TestMariaDBClientErrors(t *testing.T) {
	_, _, addr := newTestServer(t, false)
	_, errOut, code := mariadbCLI(t, addr, "-unative", "-pwrong", "-e", "SELECT 1")
	want := "ERROR 1045 (28000): Access denied for user 'native'@'127.0.0.1' (using password: YES)\n"
	if code != 1 || errOut != want {
		t.Errorf("wrong password: exit %d, stderr %q, want %q", code, errOut, want)
	}
	out, errOut, code := mariadbCLI(t, addr, "-unative", "-pnative-pw", "-e", "SELECT 1; ERROR")
	want = "ERROR 1146 (42S02) at line 1: Table 'test.nope' doesn't exist\n"
	if code != 1 || out != "1\n1\n" || !strings.HasSuffix(errOut, want) {
		t.Errorf("statement error: exit %d, stdout %q, stderr %q, want it to end in %q", code, out, errOut, want)
	}
}

func TestMariaDBClientCachingSHA2(t *testing.T) {
	// Debian's libmariadb is built with GnuTLS and cannot RSA-encrypt: on a plain connection it sends the
	// password in clear, which mysqld 8.4 refuses. Only the fast path works without TLS.
	t.Run("without TLS", func(t *testing.T) {
		logs := &logSink{}
		_, _, addr := newTestServer(t, false, func(s *Server) { s.Logger = logs.logger() })
		denied := "ERROR 1045 (28000): Access denied for user 'sha2'@'127.0.0.1' (using password: YES)\n"
		if _, errOut, code := mariadbCLI(t, addr, "-usha2", "-psha2-pw", "-e", "SELECT 1"); code != 1 || errOut != denied {
			t.Fatalf("cold cache without TLS: exit %d, stderr %q, want %q", code, errOut, denied)
		}
		// go-sql-driver does the RSA exchange and warms the cache; then the mariadb client's fast auth works.
		if err := openDB(t, addr, "sha2", "sha2-pw", nil).Ping(); err != nil {
			t.Fatal(err)
		}
		if got := mustCLI(t, addr, "-usha2", "-psha2-pw", "-N", "-e", "SELECT CURRENT_USER()"); got != "sha2@127.0.0.1\n" {
			t.Fatalf("fast auth: %q", got)
		}
		if logs.count(`"path"="full-rsa"`) != 2 || logs.count(`"path"="fast"`) != 1 {
			t.Fatalf("want two RSA full auths (mariadb refused, go-sql-driver) then one fast auth: %v", logs.lines)
		}
		if _, errOut, code := mariadbCLI(t, addr, "-usha2", "-pnope", "-e", "SELECT 1"); code != 1 || errOut != denied {
			t.Fatalf("wrong password on the fast path: exit %d: %s", code, errOut)
		}
	})
	t.Run("cleartext over TLS", func(t *testing.T) {
		logs := &logSink{}
		s, _, addr := newTestServer(t, true, func(s *Server) { s.Logger = logs.logger() })
		for i := 0; i < 2; i++ {
			if got := mustCLI(t, addr, "-usha2", "-psha2-pw", "--ssl", "-N", "-e", "SELECT 1"); got != "1\n" {
				t.Fatalf("login %d: %q", i+1, got)
			}
		}
		if logs.count(`"path"="full-cleartext"`) != 1 || logs.count(`"path"="fast"`) != 1 {
			t.Fatalf("want one cleartext full auth then one fast auth: %v", logs.lines)
		}
		// With the certificate verified by the client, the session is TLS on both ends.
		ca := filepath.Join(t.TempDir(), "ca.pem")
		pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.TLSConfig.Certificates[0].Certificate[0]})
		if err := os.WriteFile(ca, pemCert, 0o600); err != nil {
			t.Fatal(err)
		}
		out := mustCLI(t, addr, "-unative", "-pnative-pw", "--ssl-ca="+ca, "--ssl-verify-server-cert",
			"-N", "-e", "SELECT TLS")
		if out != "1\n" {
			t.Fatalf("SELECT TLS over a verified TLS session: %q", out)
		}
	})
}
