package podrunner

import (
	"net"
	"testing"
)

func TestAddressPoolSkipsBusyAndReusesReleased(t *testing.T) {
	p, err := newAddressPool("127.0.9.254")
	if err != nil {
		t.Fatal(err)
	}
	p.bindable = func(addr string, _ []int) bool { return addr != "127.0.10.1" }
	var got []string
	for range 3 {
		a, err := p.take([]int{8080})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	p.release(got[0])
	p.release(got[1])
	for range 3 {
		a, err := p.take(nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	// .255 and .0 skipped, 127.0.10.1 busy; released addresses first, oldest release first.
	want := []string{"127.0.9.254", "127.0.10.2", "127.0.10.3", "127.0.9.254", "127.0.10.2", "127.0.10.4"}
	if !equal(got, want) {
		t.Fatalf("addresses %v, want %v", got, want)
	}
	if _, err := newAddressPool("10.0.0.1"); err == nil {
		t.Fatal("a non-loopback base was accepted")
	}
}

// A port taken on every address (a listener on 0.0.0.0) makes no address free: the pod gets one anyway, and its
// process will fail to listen, as on a real node.
func TestAddressPoolGivesUpProbingAWildcardPort(t *testing.T) {
	p, err := newAddressPool("127.0.20.2")
	if err != nil {
		t.Fatal(err)
	}
	probes := 0
	p.bindable = func(string, []int) bool { probes++; return false }
	a, err := p.take([]int{8080})
	if err != nil || a != "127.0.20.2" || probes != maxProbes {
		t.Fatalf("address %q %v after %d probes", a, err, probes)
	}
	if b, _ := p.take([]int{8080}); b == a {
		t.Fatal("the same address went to two pods")
	}
}

func TestPortsFreeSeesAListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if portsFree("127.0.0.1", []int{port}) {
		t.Fatal("a listened port reported free")
	}
}

func TestPodIPPoolCountsDownFromTheTop(t *testing.T) {
	p := newPodIPPool()
	p.keep("10.244.1.254")
	a, err := p.take("10.244.1.0/24")
	if err != nil || a != "10.244.1.253" {
		t.Fatalf("first IP %q %v", a, err)
	}
	small := "10.244.2.0/30"
	x, _ := p.take(small)
	y, _ := p.take(small)
	if x != "10.244.2.2" || y != "10.244.2.1" {
		t.Fatalf("a /30 gave %q %q", x, y)
	}
	if _, err := p.take(small); err == nil {
		t.Fatal("a full range gave an IP")
	}
	p.release(x)
	if z, _ := p.take(small); z != x {
		t.Fatalf("released IP not reused: %q", z)
	}
	if _, err := p.take("fd00::/64"); err == nil {
		t.Fatal("an IPv6 range was accepted")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
