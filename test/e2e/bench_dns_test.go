package e2e

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/orca-operator/orca/dnssrv"
)

// watchDNSPrimary polls the operator's DNS server from since on until the cluster's primary SRV name targets
// a member other than old; the channel receives the time that took (0 if ctx ends first).
func (c *cluster) watchDNSPrimary(ctx context.Context, old string) <-chan time.Duration {
	c.t.Helper()
	domain := fmt.Sprintf("%s.%s.%s.", c.obj.Name, c.obj.Namespace, dnssrv.DefaultZone)
	q := new(dns.Msg).SetQuestion("_mysqlx._tcp.primary."+domain, dns.TypeSRV)
	cl := &dns.Client{Timeout: 200 * time.Millisecond}
	if target := c.dnsPrimary(cl, q); target != old+"."+domain {
		c.t.Fatalf("before the fault, DNS names %q as the primary, want %s", target, old)
	}
	since := time.Now()
	out := make(chan time.Duration, 1)
	go func() {
		for ctx.Err() == nil {
			if t := c.dnsPrimary(cl, q); t != "" && !strings.HasPrefix(t, old+".") {
				out <- time.Since(since)
				return
			}
			time.Sleep(time.Millisecond)
		}
		out <- 0
	}()
	return out
}

// dnsPrimary is the target of the primary SRV answer, "" when there is none.
func (c *cluster) dnsPrimary(cl *dns.Client, q *dns.Msg) string {
	r, _, err := cl.Exchange(q, c.h.dnsAddr)
	if err != nil || len(r.Answer) != 1 {
		return ""
	}
	if srv, ok := r.Answer[0].(*dns.SRV); ok {
		return srv.Target
	}
	return ""
}
