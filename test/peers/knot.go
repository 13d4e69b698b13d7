package peers

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Knot is a running knotd (Debian knot) on 127.0.0.1 serving one zone from a file.
type Knot struct {
	// Addr is host:port, UDP and TCP.
	Addr string
}

// StartKnot serves zone from zoneFile's content (a complete zone file, SOA included) with workers UDP
// workers, for the test; a missing knotd fails it.
func StartKnot(tb testing.TB, zone, zoneFile string, workers int) *Knot {
	tb.Helper()
	knotd, err := findBinary("knotd")
	if err != nil {
		tb.Fatalf("knotd is not installed (hack/peers.sh installs knot): %v", err)
	}
	dir := tb.TempDir()
	port, err := FreeUDPTCPPort()
	if err != nil {
		tb.Fatal(err)
	}
	conf := fmt.Sprintf("server:\n  listen: 127.0.0.1@%d\n  rundir: %q\n  udp-workers: %d\n  tcp-workers: 1\n"+
		"  background-workers: 1\ndatabase:\n  storage: %q\nzone:\n  - domain: %s\n    file: %q\n",
		port, dir, workers, dir, zone, filepath.Join(dir, "zone.db"))
	for name, content := range map[string]string{"knot.conf": conf, "zone.db": zoneFile} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	log, err := os.Create(filepath.Join(dir, "knot.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(knotd, "-c", filepath.Join(dir, "knot.conf"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start knotd: %v", err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = log.Close() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return &Knot{Addr: addr}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(dir, "knot.log"))
			tb.Fatalf("knotd did not listen on %s: %v\n%s", addr, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
