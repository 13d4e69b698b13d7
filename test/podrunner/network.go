package podrunner

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"sync"
)

// addressPool hands each running pod a loopback address of its own, playing the pod's network namespace. It
// reuses released addresses first (oldest release first: their pods' sockets are closed), then counts up from a
// base, skipping addresses where something else holds one of the pod's ports.
type addressPool struct {
	mu   sync.Mutex
	next uint32
	free []string
	used map[string]bool
	// bindable reports whether the pod's declared ports can be listened on at addr; addresses something else
	// already listens on are skipped. nil: every address is free.
	bindable func(addr string, ports []int) bool
}

func newAddressPool(base string) (*addressPool, error) {
	ip := net.ParseIP(base).To4()
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("base address %q is not an IPv4 loopback address", base)
	}
	return &addressPool{next: binary.BigEndian.Uint32(ip), used: map[string]bool{}, bindable: portsFree}, nil
}

// maxProbes bounds the fresh addresses take tries: a port taken on every address (a process listening on
// 0.0.0.0) makes none of them free.
const maxProbes = 32

// take returns an unused address on which every port in ports can be listened on. When the first maxProbes fresh
// addresses all have a port taken, it returns the first of them anyway: the pod's process then fails to listen
// and says why, as it would on a node where something holds its port.
func (p *addressPool) take(ports []int) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, addr := range p.free {
		if p.bindable == nil || p.bindable(addr, ports) {
			p.free = append(p.free[:i], p.free[i+1:]...)
			p.used[addr] = true
			return addr, nil
		}
	}
	first := ""
	for probes := 0; p.next>>24 == 127 && probes < maxProbes; p.next++ {
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, p.next)
		addr := ip.String()
		if ip[3] == 0 || ip[3] == 255 || p.used[addr] {
			continue
		}
		if first == "" {
			first = addr
		}
		probes++
		if p.bindable == nil || p.bindable(addr, ports) {
			p.used[addr] = true
			p.next++
			return addr, nil
		}
	}
	if first == "" {
		return "", fmt.Errorf("no free loopback address left")
	}
	p.used[first] = true
	return first, nil
}

func (p *addressPool) release(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.used[addr] {
		delete(p.used, addr)
		p.free = append(p.free, addr)
	}
}

// portsFree reports whether every port can be listened on at addr right now.
func portsFree(addr string, ports []int) bool {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for _, port := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		ls = append(ls, l)
	}
	return true
}

// podIPPool gives pods fake IPs from their node's pod range, as a CNI plugin would, counting down from the top of
// the range: kwok counts up from the bottom for the pods it plays, so the two meet only on a node with more pods
// than half its range. The addresses are never dialled.
type podIPPool struct {
	mu   sync.Mutex
	used map[string]bool
}

func newPodIPPool() *podIPPool { return &podIPPool{used: map[string]bool{}} }

// take returns the highest free host address of cidr (an IPv4 range).
func (p *podIPPool) take(cidr string) (string, error) {
	_, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return "", fmt.Errorf("parse pod range %q: %w", cidr, err)
	}
	base := ipnet.IP.To4()
	if base == nil {
		return "", fmt.Errorf("pod range %q is not IPv4", cidr)
	}
	ones, bits := ipnet.Mask.Size()
	size := uint32(1) << uint(bits-ones)
	first := binary.BigEndian.Uint32(base)
	p.mu.Lock()
	defer p.mu.Unlock()
	for off := size - 2; off >= 1 && off < size; off-- { // neither the network nor the broadcast address
		ip := make(net.IP, 4)
		binary.BigEndian.PutUint32(ip, first+off)
		if s := ip.String(); !p.used[s] {
			p.used[s] = true
			return s, nil
		}
	}
	return "", fmt.Errorf("pod range %s is full", cidr)
}

// keep marks ip as used (a pod that already had one when the runner started).
func (p *podIPPool) keep(ip string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.used[ip] = true
}

func (p *podIPPool) release(ip string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.used, ip)
}
