// Package memberdial is the one way Orca connects to a MySQL member. Every connection (health probes, admin
// SQL, the router's backends) asks a Dialer, so tests and the playground can point member names at simulated
// members on 127.0.0.N without the code under test knowing.
package memberdial

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// Dialer opens a connection to a member address ("host:port", host being the member's DNS name).
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// DialFunc adapts a function to Dialer.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// DialContext calls f.
func (f DialFunc) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return f(ctx, network, address)
}

// Direct dials members by their DNS names, as in a real cluster.
func Direct() Dialer {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 15 * time.Second}
	return DialFunc(d.DialContext)
}

// Loopback maps member host names to loopback addresses and refuses everything else. It never dials an
// address outside 127.0.0.0/8, so a test cannot reach the private-range pod IPs of a simulated cluster.
// Safe for concurrent use.
type Loopback struct {
	mu    sync.RWMutex
	hosts map[string]string // member host (or host:port) -> loopback host:port or host
}

// NewLoopback returns an empty map: every dial fails until members are added.
func NewLoopback() *Loopback { return &Loopback{hosts: map[string]string{}} }

// Set maps a member host (its DNS name, or its pod name) or a "host:port" pair to a loopback target. A target
// without a port keeps the dialed port. Names resolve exactly, as DNS does: a qualified name never falls back
// to a pod name, which may belong to another namespace's member.
func (l *Loopback) Set(member, target string) error {
	host := target
	if h, _, err := net.SplitHostPort(target); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("memberdial: target %q for %q is not a loopback address", target, member)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hosts[member] = target
	return nil
}

// Delete removes a member's mapping; later dials to it fail as if the member were gone.
func (l *Loopback) Delete(member string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hosts, member)
}

// Resolve returns the loopback address a member address maps to.
func (l *Loopback) Resolve(address string) (string, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return "", fmt.Errorf("memberdial: bad address %q: %w", address, err)
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, c := range []string{address, host} {
		if target, ok := l.hosts[c]; ok {
			if _, _, err := net.SplitHostPort(target); err == nil {
				return target, nil
			}
			return net.JoinHostPort(target, port), nil
		}
	}
	return "", fmt.Errorf("memberdial: no loopback mapping for member %q", address)
}

// DialContext dials the loopback address the member maps to.
func (l *Loopback) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	target, err := l.Resolve(address)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, network, target)
}

// LoopbackFile is a Loopback whose map is a JSON file ({"member": "127.0.0.N", ...}) re-read when it
// changes. The playground's simulated members publish their addresses there for `orca operator` running as
// a separate process. A missing file maps nothing.
type LoopbackFile struct {
	path string
	mu   sync.Mutex
	mod  time.Time
	l    *Loopback
}

// NewLoopbackFile returns a dialer that reads its member map from path.
func NewLoopbackFile(path string) *LoopbackFile { return &LoopbackFile{path: path, l: NewLoopback()} }

func (f *LoopbackFile) reload() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, err := os.Stat(f.path)
	if errors.Is(err, os.ErrNotExist) {
		f.l = NewLoopback()
		return nil
	}
	if err != nil {
		return fmt.Errorf("memberdial: stat %s: %w", f.path, err)
	}
	if st.ModTime().Equal(f.mod) {
		return nil
	}
	raw, err := os.ReadFile(f.path)
	if err != nil {
		return fmt.Errorf("memberdial: read %s: %w", f.path, err)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("memberdial: parse %s: %w", f.path, err)
	}
	l := NewLoopback()
	for member, target := range m {
		if err := l.Set(member, target); err != nil {
			return err
		}
	}
	f.l, f.mod = l, st.ModTime()
	return nil
}

// DialContext dials the loopback address the member maps to in the file.
func (f *LoopbackFile) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if err := f.reload(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	l := f.l
	f.mu.Unlock()
	return l.DialContext(ctx, network, address)
}
