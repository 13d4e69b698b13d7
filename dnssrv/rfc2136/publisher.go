package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Errors a Sync reports; a caller turns them into a condition on the cluster.
var (
	// ErrRefused: the server refused the update (REFUSED or NOTAUTH for the zone: not allowed for this key).
	ErrRefused = errors.New("rfc2136: update refused")
	// ErrTSIG: the server did not accept the key or signature, or its answer failed verification.
	ErrTSIG = errors.New("rfc2136: TSIG error")
	// ErrConflict: another writer changed an RRset between Orca's read and its update; it was not overwritten.
	ErrConflict = errors.New("rfc2136: concurrent writer")
)

// Publisher keeps a zone on a primary server in step with Orca's records. Safe for concurrent use (Syncs
// are serialised). Fields must not change after the first Sync.
type Publisher struct {
	// Server is the primary's host:port. Required.
	Server string
	// Zone is the zone updated (its apex, e.g. "mysql.example.com"); records outside it and the apex's SOA
	// and NS are never sent. Required.
	Zone string
	// KeyName and Secret are the TSIG key, hmac-sha256; Secret in base64, as in a BIND key statement.
	KeyName, Secret string
	// BatchSize bounds the RRsets of one UPDATE message. Default 16.
	BatchSize int
	// Timeout bounds each exchange. Default 5s.
	Timeout time.Duration

	mu        sync.Mutex
	published map[rrKey][]dns.RR // what the server held after Orca's last update, per managed RRset
	serial    uint32             // the zone's serial then; 0 when unknown (read everything again)
	// beforeUpdate, for tests, runs between reading the server's RRsets and sending the updates.
	beforeUpdate func()
}

type rrKey struct {
	name  string
	rtype uint16
}

// Result is what a Sync did.
type Result struct {
	// Changed counts the RRsets updated; Messages the UPDATE messages sent (retries included).
	Changed, Messages int
	// Conflicts names the RRsets another writer changed meanwhile ("name TYPE").
	Conflicts []string
}

func (p *Publisher) zone() string { return strings.ToLower(dns.Fqdn(p.Zone)) }

// Sync makes the server hold desired for every RRset Orca manages (those of desired, and those it published
// before, which are deleted when desired lacks them).
func (p *Publisher) Sync(ctx context.Context, desired []dns.RR) (Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := p.group(desired)
	keys := p.managed(want)
	remote, err := p.remote(ctx, keys)
	if err != nil {
		return Result{}, err
	}
	var changes []change
	for _, k := range keys {
		if !sameSet(remote[k], want[k]) {
			changes = append(changes, change{key: k, old: remote[k], new: want[k]})
		}
	}
	if p.beforeUpdate != nil {
		p.beforeUpdate()
	}
	res, err := p.apply(ctx, changes)
	if err != nil || len(res.Conflicts) > 0 {
		p.serial = 0 // read everything again next time
	}
	if err != nil {
		return res, err
	}
	if len(res.Conflicts) > 0 {
		return res, fmt.Errorf("%w on %s", ErrConflict, strings.Join(res.Conflicts, ", "))
	}
	if p.serial, err = p.readSerial(ctx); err != nil {
		p.serial = 0
	}
	return res, nil
}

// group keeps the records inside the zone, apex SOA and NS aside, by RRset.
func (p *Publisher) group(rrs []dns.RR) map[rrKey][]dns.RR {
	out := map[rrKey][]dns.RR{}
	zone := p.zone()
	for _, rr := range rrs {
		h := rr.Header()
		name := strings.ToLower(h.Name)
		if !dns.IsSubDomain(zone, name) || (name == zone && (h.Rrtype == dns.TypeSOA || h.Rrtype == dns.TypeNS)) {
			continue
		}
		k := rrKey{name, h.Rrtype}
		out[k] = append(out[k], rr)
	}
	return out
}

// managed is every RRset to keep in step, sorted: desired ones and those published before.
func (p *Publisher) managed(want map[rrKey][]dns.RR) []rrKey {
	seen := map[rrKey]bool{}
	var keys []rrKey
	for k := range want {
		seen[k] = true
		keys = append(keys, k)
	}
	for k := range p.published {
		if !seen[k] {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].name != keys[j].name {
			return keys[i].name < keys[j].name
		}
		return keys[i].rtype < keys[j].rtype
	})
	return keys
}

// sameSet compares RRsets as sets (TTL included), in any order.
func sameSet(a, b []dns.RR) bool {
	if len(a) != len(b) {
		return false
	}
	as, bs := strs(a), strs(b)
	for i := range as {
		if as[i] != bs[i] {
			return false
		}
	}
	return true
}

func strs(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, rr := range rrs {
		c := dns.Copy(rr)
		c.Header().Name = strings.ToLower(c.Header().Name)
		out[i] = strings.ToLower(c.String())
	}
	sort.Strings(out)
	return out
}
