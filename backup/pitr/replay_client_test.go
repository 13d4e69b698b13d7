package pitr

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/internal/tlsca/tlscatest"
	"github.com/orca-operator/orca/test/peers"
)

// The replay's client verifies the target as the runners do, with the real mariadb client on a MariaDB over
// TLS: the cluster's bundle and the host's name pass; another CA's bundle, or a certificate not naming the
// host, ends the run before a statement is sent.
func TestReplayClientVerifiesTheTarget(t *testing.T) {
	dir := t.TempDir()
	ca, other := tlscatest.New(t), tlscatest.New(t)
	good, misnamed := ca.Issue("localhost"), ca.Issue("db-0.db-instances.shop.svc.cluster.local")
	files := map[string][]byte{"good.crt": good.CertPEM, "good.key": good.KeyPEM, "misnamed.crt": misnamed.CertPEM,
		"misnamed.key": misnamed.KeyPEM, "ca.crt": ca.Bundle(), "other.crt": other.Bundle()}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	serve := func(cert string) string {
		db := peers.StartMariaDB(t, "--ssl-cert="+filepath.Join(dir, cert+".crt"),
			"--ssl-key="+filepath.Join(dir, cert+".key"))
		return strconv.Itoa(db.Port)
	}
	goodPort, misnamedPort := serve("good"), serve("misnamed")
	for _, tc := range []struct {
		name, port, caFile string
		ok                 bool
	}{
		{"the cluster's bundle, the host's name", goodPort, "ca.crt", true},
		{"another CA's bundle", goodPort, "other.crt", false},
		{"a certificate not naming the host", misnamedPort, "ca.crt", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ReplayOptions{Client: "mariadb", Target: backup.Server{User: "root"},
				TLSCAFile: filepath.Join(dir, tc.caFile)}
			args, err := clientArgs(o, "localhost", tc.port)
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("mariadb", append(args, "-N", "-e", "SHOW STATUS LIKE 'Ssl_version'")...).
				CombinedOutput()
			if tc.ok && (err != nil || !strings.Contains(string(out), "TLSv1")) {
				t.Fatalf("not connected over TLS: %v\n%s", err, out)
			}
			if !tc.ok && err == nil {
				t.Fatalf("connected without verifying: %s", out)
			}
			t.Logf("%s", out)
		})
	}
}

// A name other than the host's: the mysql client checks the chain only (it cannot check another name), the
// mariadb client cannot verify at all that way and the replay says so before it starts.
func TestReplayClientWithAnotherServerName(t *testing.T) {
	o := ReplayOptions{Client: "mysql", TLSCAFile: "/ca.crt", TLSServerName: "db.shop.svc"}
	args, err := clientArgs(o, "db-0.db-instances.shop.svc.cluster.local", "3306")
	if err != nil || !slices.Contains(args, "--ssl-mode=VERIFY_CA") || !slices.Contains(args, "--ssl-ca=/ca.crt") {
		t.Fatalf("mysql args %q, %v: want VERIFY_CA with the bundle", args, err)
	}
	if args, _ = clientArgs(ReplayOptions{Client: "mysql", TLSCAFile: "/ca.crt"}, "db-0", "3306"); !slices.Contains(
		args, "--ssl-mode=VERIFY_IDENTITY") {
		t.Fatalf("mysql args %q: want VERIFY_IDENTITY for the host's own name", args)
	}
	o.Client = "/usr/bin/mariadb"
	if _, err := clientArgs(o, "db-0", "3306"); !errors.Is(err, ErrClientCannotVerify) {
		t.Fatalf("mariadb with another name: %v, want ErrClientCannotVerify", err)
	}
}
