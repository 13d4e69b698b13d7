package peers

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BIND is a running named (Debian bind9) on 127.0.0.1 with its own config, serving one primary zone.
type BIND struct {
	// Addr is host:port, UDP and TCP.
	Addr string
	// Dir holds named.conf, the zone file, its journal and named.log.
	Dir string
}

// BINDConfig describes the zone named serves.
type BINDConfig struct {
	// Zone is the apex, e.g. "mysql.example.com".
	Zone string
	// Keys are TSIG keys (hmac-sha256) named knows: name to base64 secret.
	Keys map[string]string
	// UpdateKeys may send RFC 2136 updates to the zone; other keys are known but refused.
	UpdateKeys []string
	// Records are extra zone-file lines after the SOA and NS (e.g. a benchmark's records).
	Records string
	// Threads is named's -n. Default 1 (tests share the machine).
	Threads int
}

// StartBIND starts named for the test and kills it at cleanup; a missing named fails the test.
func StartBIND(tb testing.TB, cfg BINDConfig) *BIND {
	tb.Helper()
	named, err := findBinary("named")
	if err != nil {
		tb.Fatalf("named is not installed (hack/peers.sh installs bind9): %v", err)
	}
	b := &BIND{Dir: tb.TempDir()}
	port, err := FreeUDPTCPPort()
	if err != nil {
		tb.Fatal(err)
	}
	b.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := b.writeConfig(cfg, port); err != nil {
		tb.Fatal(err)
	}
	log, err := os.Create(filepath.Join(b.Dir, "named.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(named, "-g", "-n", strconv.Itoa(max(cfg.Threads, 1)), "-c", filepath.Join(b.Dir, "named.conf"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start named: %v", err)
	}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = log.Close() })
	if err := waitRunning(b.Addr, filepath.Join(b.Dir, "named.log"), 20*time.Second); err != nil {
		out, _ := os.ReadFile(filepath.Join(b.Dir, "named.log"))
		tb.Fatalf("named did not listen on %s: %v\n%s", b.Addr, err, out)
	}
	return b
}

func (b *BIND) writeConfig(cfg BINDConfig, port int) error {
	var conf strings.Builder
	fmt.Fprintf(&conf, "options { directory %q; pid-file %q; listen-on port %d { 127.0.0.1; };\n"+
		"  listen-on-v6 { none; }; recursion no; session-keyfile %q; };\ncontrols { };\n",
		b.Dir, filepath.Join(b.Dir, "named.pid"), port,
		filepath.Join(b.Dir, "session.key"))
	names := make([]string, 0, len(cfg.Keys))
	for name := range cfg.Keys {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&conf, "key %q { algorithm hmac-sha256; secret %q; };\n", name, cfg.Keys[name])
	}
	update := "none;"
	if len(cfg.UpdateKeys) > 0 {
		update = ""
		for _, k := range cfg.UpdateKeys {
			update += fmt.Sprintf("key %q; ", k)
		}
	}
	fmt.Fprintf(&conf, "zone %q { type primary; file %q; allow-update { %s}; };\n", cfg.Zone,
		filepath.Join(b.Dir, "zone.db"), update)
	zone := fmt.Sprintf("$TTL 60\n@ IN SOA ns.%[1]s. hostmaster.%[1]s. 1 60 10 3600 1\n"+
		"@ IN NS ns\nns IN A 127.0.0.1\n%[2]s", cfg.Zone, cfg.Records)
	if err := os.WriteFile(filepath.Join(b.Dir, "named.conf"), []byte(conf.String()), 0o600); err != nil {
		return fmt.Errorf("write named.conf: %w", err)
	}
	if err := os.WriteFile(filepath.Join(b.Dir, "zone.db"), []byte(zone), 0o600); err != nil {
		return fmt.Errorf("write zone: %w", err)
	}
	return nil
}

// FreeUDPTCPPort is a loopback port free for both UDP and TCP at the time of the call (a DNS server binds both).
func FreeUDPTCPPort() (int, error) {
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("listen udp: %w", err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		_ = pc.Close()
		if err == nil {
			_ = l.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no loopback port free for UDP and TCP")
}

// waitRunning waits until named listens and logs that its zones are loaded.
func waitRunning(addr, logPath string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			if log, _ := os.ReadFile(logPath); strings.Contains(string(log), "all zones loaded") {
				return nil
			}
			err = fmt.Errorf("zones not loaded yet")
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
