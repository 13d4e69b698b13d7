package srvdial

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ErrNoTargets is returned when the name has no SRV records (NXDOMAIN or NODATA).
var ErrNoTargets = errors.New("srvdial: no SRV targets")

// Resolver looks SRV records up.
type Resolver interface {
	// LookupSRV returns the SRV targets of name (fully qualified), each Host already an address when the
	// answer carried the target's A/AAAA record, and how long the answer may be cached.
	LookupSRV(ctx context.Context, name string) ([]Target, time.Duration, error)
}

// DNSResolver asks one DNS server directly (over UDP, TCP when the answer is truncated), which gives it the
// records' TTL, unlike net.Resolver.
type DNSResolver struct {
	// Server is the DNS server's host:port. Default: the first nameserver of /etc/resolv.conf.
	Server string
	// Timeout bounds each exchange. Default 2s.
	Timeout time.Duration
}

// LookupSRV implements Resolver.
func (r DNSResolver) LookupSRV(ctx context.Context, name string) ([]Target, time.Duration, error) {
	server, err := r.server()
	if err != nil {
		return nil, 0, err
	}
	q := new(dns.Msg).SetQuestion(dns.Fqdn(name), dns.TypeSRV)
	q.SetEdns0(1232, false)
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	resp, _, err := (&dns.Client{Net: "udp", Timeout: timeout}).ExchangeContext(ctx, q, server)
	if err == nil && resp.Truncated {
		resp, _, err = (&dns.Client{Net: "tcp", Timeout: timeout}).ExchangeContext(ctx, q, server)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("resolve SRV %s at %s: %w", name, server, err)
	}
	if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
		return nil, 0, fmt.Errorf("resolve SRV %s at %s: %s", name, server, dns.RcodeToString[resp.Rcode])
	}
	return targets(resp)
}

func (r DNSResolver) server() (string, error) {
	if r.Server != "" {
		return r.Server, nil
	}
	cfg, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(cfg.Servers) == 0 {
		return "", fmt.Errorf("no DNS server configured (/etc/resolv.conf): %w", errors.Join(err, ErrNoTargets))
	}
	return cfg.Servers[0] + ":" + cfg.Port, nil
}

// targets reads the SRV answer, using the additional section's addresses for the targets.
func targets(resp *dns.Msg) ([]Target, time.Duration, error) {
	addrs := map[string]string{}
	for _, rr := range resp.Extra {
		switch a := rr.(type) {
		case *dns.A:
			addrs[strings.ToLower(a.Hdr.Name)] = a.A.String()
		case *dns.AAAA:
			addrs[strings.ToLower(a.Hdr.Name)] = a.AAAA.String()
		}
	}
	var out []Target
	ttl := time.Duration(-1)
	for _, rr := range resp.Answer {
		srv, ok := rr.(*dns.SRV)
		if !ok || srv.Target == "." {
			continue
		}
		host := strings.TrimSuffix(srv.Target, ".")
		if a, ok := addrs[strings.ToLower(srv.Target)]; ok {
			host = a
		}
		out = append(out, Target{Host: host, Port: srv.Port, Priority: srv.Priority, Weight: srv.Weight})
		if d := time.Duration(srv.Hdr.Ttl) * time.Second; ttl < 0 || d < ttl {
			ttl = d
		}
	}
	if len(out) == 0 {
		return nil, 0, ErrNoTargets
	}
	return out, ttl, nil
}
