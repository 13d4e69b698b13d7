package dnssrv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

const testKeySecret = "c2VjcmV0LXRyYW5zZmVyLWtleS1mb3ItdGVzdHM=" // base64, hmac-sha256

// startServer serves z on 127.0.0.1 (one port, UDP and TCP) and returns the address.
func startServer(t *testing.T, s *Server, z *Zone) string {
	t.Helper()
	if err := s.SetZone(z); err != nil {
		t.Fatal(err)
	}
	pc, l := listenPair(t)
	errs := make(chan error, 2)
	go func() { errs <- s.ServeUDP(pc) }()
	go func() { errs <- s.ServeTCP(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		for range 2 {
			if err := <-errs; !errors.Is(err, ErrServerClosed) {
				t.Errorf("serve returned %v, want ErrServerClosed", err)
			}
		}
	})
	return pc.LocalAddr().String()
}

// listenPair binds UDP and TCP on the same loopback port (retrying while another test holds the TCP port).
func listenPair(t *testing.T) (net.PacketConn, net.Listener) {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, l
		}
		_ = pc.Close()
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return nil, nil
}

// bigCluster has n ONLINE members: its SRV answer exceeds 512 bytes from about 10 members.
func bigCluster(n int) Cluster {
	c := Cluster{Name: "mycluster", Namespace: "default"}
	for i := range n {
		role := RoleSecondary
		if i == 0 {
			role = RolePrimary
		}
		c.Members = append(c.Members, Member{Pod: fmt.Sprintf("mycluster-%d", i), Role: role, State: StateOnline,
			InMajority: true, IP: netip.AddrFrom4([4]byte{10, 0, byte(i / 250), byte(i%250 + 1)})})
	}
	return c
}

// run executes a real DNS client (dig, kdig) and returns its output with each run of blanks made one space;
// a missing binary fails the test.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (hack/peers.sh installs dnsutils and knot-dnsutils): %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return blanks.ReplaceAllString(string(out), " ")
}

var blanks = regexp.MustCompile(`[ \t]+`)

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

// exchange sends m over net ("udp" or "tcp") with the miekg client.
func exchange(t *testing.T, network, addr string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 5 * time.Second, UDPSize: 65535}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("%s exchange %v: %v", network, m.Question, err)
	}
	return r
}
