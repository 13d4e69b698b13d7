package serviceproxy_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/orca-operator/orca/memberdial"
	"github.com/orca-operator/orca/test/controlplane"
	"github.com/orca-operator/orca/test/serviceproxy"
	"github.com/orca-operator/orca/test/testutil"
)

// echoServer echoes lines on 127.0.0.1 until the test ends.
func echoServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// roundTrip sends a line through conn and reads it back.
func roundTrip(conn net.Conn, r *bufio.Reader, line string) error {
	if _, err := fmt.Fprintln(conn, line); err != nil {
		return err
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(got) != line {
		return fmt.Errorf("echoed %q, want %q", got, line)
	}
	return nil
}

func slice(port int, ready bool) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "echo-abc", Namespace: "default",
			Labels: map[string]string{discoveryv1.LabelServiceName: "echo"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To("echo"), Port: ptr.To(int32(port))},
			{Name: ptr.To("other"), Port: ptr.To(int32(port))}},
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.244.0.250"},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready)},
			TargetRef:  &corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "echo-pod"}}},
	}
}

// The proxy listens for a Service port only while it has a ready endpoint, forwards to the endpoint pod's
// loopback address (never its pod IP), refuses once none is ready while keeping established connections, and
// leaves nothing behind when it stops.
func TestProxyFollowsReadyEndpoints(t *testing.T) {
	cp := controlplane.StartT(t, controlplane.Options{})
	ctx := context.Background()
	backend := echoServer(t)
	resolver := serviceproxy.ResolverFunc(func(ns, pod string) string {
		if ns == "default" && pod == "echo-pod" {
			return "127.0.0.1"
		}
		return ""
	})
	mapFile := filepath.Join(t.TempDir(), "services.json")
	p, err := serviceproxy.Start(ctx, serviceproxy.Options{Config: cp.Config, Resolver: resolver,
		Resync: 50 * time.Millisecond, MapFile: mapFile,
		Rules: []serviceproxy.Rule{{Namespace: "default", Service: "echo", Ports: []int32{5000}, AnyPort: true}}})
	if err != nil {
		t.Fatal(err)
	}
	defer expectNoGoroutines(t)
	defer p.Stop()
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "echo", Namespace: "default"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
			{Name: "echo", Port: 5000, TargetPort: intstr.FromInt32(7000)},
			{Name: "other", Port: 5001, TargetPort: intstr.FromInt32(7001)}}}}
	if err := cp.Client.Create(ctx, svc); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if a := p.Addr("default", "echo", 5000); a != "" {
		t.Fatalf("listening at %s without an endpoint", a)
	}
	es := slice(backend, true)
	if err := cp.Client.Create(ctx, es); err != nil {
		t.Fatal(err)
	}
	addr := waitAddr(t, p, true)
	if p.Addr("default", "echo", 5001) != "" {
		t.Fatal("a port outside the rule is forwarded")
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	if err := roundTrip(conn, r, "hello"); err != nil {
		t.Fatal(err)
	}
	// A process given the map dials the Service by its cluster DNS name.
	mapped := memberdial.NewLoopbackFile(mapFile)
	testutil.Eventually(t, 10*time.Second, func() error {
		c, err := mapped.DialContext(ctx, "tcp", serviceproxy.ServiceAddress("default", "echo", 5000))
		if err != nil {
			return err
		}
		defer c.Close()
		return roundTrip(c, bufio.NewReader(c), "by name")
	})
	setReady(t, cp.Client, es, false)
	waitAddr(t, p, false)
	testutil.Eventually(t, 10*time.Second, func() error {
		if raw, err := os.ReadFile(mapFile); err != nil || string(raw) != "{}" {
			return fmt.Errorf("map %q, want none listening: %w", raw, err)
		}
		return nil
	})
	if c, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		if c != nil {
			_ = c.Close()
		}
		t.Fatalf("dial without a ready endpoint: %v, want connection refused", err)
	}
	if err := roundTrip(conn, r, "still here"); err != nil {
		t.Fatalf("an established connection was cut when the endpoint turned unready: %v", err)
	}
	setReady(t, cp.Client, es, true)
	if again := waitAddr(t, p, true); again != addr {
		t.Fatalf("listening again at %s, was %s", again, addr)
	}
	if got := p.Forwarded(); len(got) != 1 || !strings.HasSuffix(got[0], addr) {
		t.Fatalf("forwarded %v", got)
	}
	// A second rule for another port of the same Service leaves the first rule's port alone.
	if err := p.Add(serviceproxy.Rule{Namespace: "default", Service: "echo", Ports: []int32{5001},
		AnyPort: true}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() error {
		if p.Addr("default", "echo", 5001) == "" {
			return errors.New("port 5001 not forwarded")
		}
		return nil
	})
	for range 20 { // 20 looks over about 20 syncs: both stay forwarded
		if p.Addr("default", "echo", 5000) == "" || p.Addr("default", "echo", 5001) == "" {
			t.Fatalf("a rule stopped the other's port: forwarded %v", p.Forwarded())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitAddr(t *testing.T, p *serviceproxy.Proxy, listening bool) string {
	t.Helper()
	var addr string
	testutil.Eventually(t, 10*time.Second, func() error {
		addr = p.Addr("default", "echo", 5000)
		if (addr != "") != listening {
			return fmt.Errorf("address %q, want listening %v", addr, listening)
		}
		return nil
	})
	return addr
}

func setReady(t *testing.T, c client.Client, es *discoveryv1.EndpointSlice, ready bool) {
	t.Helper()
	es.Endpoints[0].Conditions.Ready = ptr.To(ready)
	if err := c.Update(context.Background(), es); err != nil {
		t.Fatal(err)
	}
}

func expectNoGoroutines(t *testing.T) {
	t.Helper()
	err := testutil.Poll(10*time.Second, 50*time.Millisecond, func() error {
		buf := make([]byte, 1<<22)
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "orca/test/serviceproxy.") {
				return fmt.Errorf("goroutine left:\n%s", g)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
