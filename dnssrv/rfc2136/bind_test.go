package rfc2136

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const (
	testZone   = "mysql.example.com"
	orcaKey    = "orca"
	orcaSecret = "c2VjcmV0LXRyYW5zZmVyLWtleS1mb3ItdGVzdHM="
	otherKey   = "other" // known to named, not allowed to update
	otherSec   = "b3RoZXItc2VjcmV0LWtleS1mb3ItdGVzdHMtMTIzNA=="
)

// startBIND runs a real named (Debian bind9) on 127.0.0.1 with its own config and a zone that takes
// TSIG-signed updates from orcaKey; it is stopped at cleanup. A missing named fails the test.
func startBIND(t *testing.T) string {
	t.Helper()
	named, err := exec.LookPath("named")
	if err != nil {
		if named, err = exec.LookPath("/usr/sbin/named"); err != nil {
			t.Fatalf("named is not installed (hack/peers.sh installs bind9): %v", err)
		}
	}
	dir := t.TempDir()
	port := freePort(t)
	conf := fmt.Sprintf(`options { directory "%[1]s"; pid-file "%[1]s/named.pid"; listen-on port %[2]d { 127.0.0.1; };
  listen-on-v6 { none; }; recursion no; session-keyfile "%[1]s/session.key"; };
controls { };
key "%[3]s" { algorithm hmac-sha256; secret "%[4]s"; };
key "%[5]s" { algorithm hmac-sha256; secret "%[6]s"; };
zone "%[7]s" { type primary; file "%[1]s/zone.db"; allow-update { key "%[3]s"; }; };
`, dir, port, orcaKey, orcaSecret, otherKey, otherSec, testZone)
	zone := "$TTL 60\n@ IN SOA ns." + testZone + ". hostmaster." + testZone + ". 1 60 10 3600 1\n@ IN NS ns\nns IN A 127.0.0.1\n"
	writeFile(t, filepath.Join(dir, "named.conf"), conf)
	writeFile(t, filepath.Join(dir, "zone.db"), zone)
	log, err := os.Create(filepath.Join(dir, "named.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(named, "-g", "-c", filepath.Join(dir, "named.conf"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start named: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	waitSOA(t, addr, filepath.Join(dir, "named.log"))
	return addr
}

func waitSOA(t *testing.T, addr, logPath string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	q := new(dns.Msg).SetQuestion(testZone+".", dns.TypeSOA)
	for time.Now().Before(deadline) {
		if r, _, err := (&dns.Client{Net: "tcp", Timeout: time.Second}).Exchange(q, addr); err == nil &&
			len(r.Answer) == 1 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	out, _ := os.ReadFile(logPath)
	t.Fatalf("named did not answer on %s:\n%s", addr, out)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// freePort is a loopback port free for both UDP and TCP at the time of the call.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		_ = pc.Close()
		if err == nil {
			_ = l.Close()
			return port
		}
	}
	t.Fatal("no free loopback port")
	return 0
}

// dig asks named the way a client would, returning the RRset.
func dig(t *testing.T, addr, name string, qtype uint16) []dns.RR {
	t.Helper()
	r, _, err := (&dns.Client{Net: "tcp", Timeout: 5 * time.Second}).ExchangeContext(context.Background(),
		new(dns.Msg).SetQuestion(name, qtype), addr)
	if err != nil {
		t.Fatal(err)
	}
	return r.Answer
}
