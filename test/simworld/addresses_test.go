package simworld

import (
	"net"
	"testing"
)

func TestAddressBookIsStableAndSkipsBusyAddresses(t *testing.T) {
	b, err := newAddressBook("127.0.0.254")
	if err != nil {
		t.Fatal(err)
	}
	b.free = func(addr string, _ []int) bool { return addr != "127.0.1.1" }
	var got []string
	for _, key := range []string{"ns/a-0", "ns/a-1", "ns/a-2", "ns/a-0"} {
		a, err := b.assign(key, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	// .255 and .0 are skipped, 127.0.1.1 is busy, a-0 keeps its address.
	want := []string{"127.0.0.254", "127.0.1.2", "127.0.1.3", "127.0.0.254"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("addresses %v, want %v", got, want)
		}
	}
	if b.lookup("ns/a-1") != "127.0.1.2" || b.lookup("ns/other") != "" {
		t.Fatal("lookup")
	}
}

func TestAddressBookRefusesNonLoopback(t *testing.T) {
	for _, base := range []string{"10.244.0.2", "::1", "nonsense"} {
		if _, err := newAddressBook(base); err == nil {
			t.Errorf("base %q accepted", base)
		}
	}
}

func TestPortsFreeSeesAListener(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	port := l.Addr().(*net.TCPAddr).Port
	if portsFree("127.0.0.1", []int{port}) {
		t.Fatal("a bound port reported free")
	}
	_ = l.Close()
	if !portsFree("127.0.0.1", []int{port}) {
		t.Fatal("a released port reported busy")
	}
}
