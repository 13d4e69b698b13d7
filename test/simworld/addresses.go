package simworld

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"sync"
)

// addressBook hands each pod its own loopback address, counting up from a base, and keeps it for the pod's
// name for the life of the world (a member keeps its address across restarts, like a stable DNS name).
type addressBook struct {
	mu    sync.Mutex
	next  uint32
	byKey map[string]string
	// free probes whether the member's ports can be bound on an address; addresses something else already
	// listens on are skipped. nil: every address is free.
	free func(addr string, ports []int) bool
}

// newAddressBook starts at base, which must be an IPv4 loopback address.
func newAddressBook(base string) (*addressBook, error) {
	ip := net.ParseIP(base).To4()
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("base address %q is not an IPv4 loopback address", base)
	}
	return &addressBook{next: binary.BigEndian.Uint32(ip), byKey: map[string]string{}, free: portsFree}, nil
}

// lookup returns the address of key, "" when it has none yet.
func (b *addressBook) lookup(key string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byKey[key]
}

// assign returns key's address, picking the next free one on first use.
func (b *addressBook) assign(key string, ports []int) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if a, ok := b.byKey[key]; ok {
		return a, nil
	}
	for ; b.next>>24 == 127; b.next++ {
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, b.next)
		if ip[3] == 0 || ip[3] == 255 {
			continue
		}
		addr := ip.String()
		if b.free == nil || b.free(addr, ports) {
			b.byKey[key] = addr
			b.next++
			return addr, nil
		}
	}
	return "", fmt.Errorf("no free loopback address left for %s", key)
}

// portsFree reports whether every port can be listened on at addr right now.
func portsFree(addr string, ports []int) bool {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for _, p := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(p)))
		if err != nil {
			return false
		}
		ls = append(ls, l)
	}
	return true
}
