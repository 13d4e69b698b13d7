package rfc2136

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/miekg/dns"
)

// change is one RRset to replace: old is what the server held (the prerequisite), new what it must hold.
type change struct {
	key      rrKey
	old, new []dns.RR
}

func (c change) String() string { return c.key.name + " " + dns.TypeToString[c.key.rtype] }

// remote is what the server holds for keys: Orca's last update when the zone's serial did not move since,
// otherwise one targeted query per RRset.
func (p *Publisher) remote(ctx context.Context, keys []rrKey) (map[rrKey][]dns.RR, error) {
	serial, err := p.readSerial(ctx)
	if err != nil {
		return nil, err
	}
	if p.published != nil && p.serial != 0 && serial == p.serial {
		return p.published, nil
	}
	out := map[rrKey][]dns.RR{}
	for _, k := range keys {
		rrs, err := p.query(ctx, k.name, k.rtype, false)
		if err != nil {
			return nil, err
		}
		if len(rrs) > 0 {
			out[k] = rrs
		}
	}
	p.published = out
	return out, nil
}

// readSerial reads the zone's SOA serial with a signed query, so a bad key shows on every Sync, even one
// with nothing to update.
func (p *Publisher) readSerial(ctx context.Context) (uint32, error) {
	rrs, err := p.query(ctx, p.zone(), dns.TypeSOA, true)
	if err != nil {
		return 0, err
	}
	for _, rr := range rrs {
		if soa, ok := rr.(*dns.SOA); ok {
			return soa.Serial, nil
		}
	}
	return 0, fmt.Errorf("zone %s has no SOA at %s", p.zone(), p.Server)
}

// query reads one RRset over TCP (never truncated), TSIG-signed when signed.
func (p *Publisher) query(ctx context.Context, name string, t uint16, signed bool) ([]dns.RR, error) {
	q := new(dns.Msg).SetQuestion(name, t)
	if signed {
		q.SetTsig(dns.CanonicalName(p.KeyName), dns.HmacSHA256, 300, time.Now().Unix())
	}
	r, _, err := p.client(signed).ExchangeContext(ctx, q, p.Server)
	if err != nil {
		if isTSIG(err) {
			return nil, fmt.Errorf("%w: query %s at %s: %w", ErrTSIG, name, p.Server, err)
		}
		return nil, fmt.Errorf("query %s %s at %s: %w", name, dns.TypeToString[t], p.Server, err)
	}
	if r.Rcode == dns.RcodeNotAuth {
		return nil, fmt.Errorf("%w: query %s at %s: NOTAUTH", ErrTSIG, name, p.Server)
	}
	if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("query %s %s at %s: %s", name, dns.TypeToString[t], p.Server,
			dns.RcodeToString[r.Rcode])
	}
	var out []dns.RR
	for _, rr := range r.Answer {
		if rr.Header().Rrtype == t {
			out = append(out, rr)
		}
	}
	return out, nil
}

func (p *Publisher) client(signed bool) *dns.Client {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	c := &dns.Client{Net: "tcp", Timeout: timeout}
	if signed {
		c.TsigSecret = map[string]string{dns.CanonicalName(p.KeyName): p.Secret}
	}
	return c
}

// apply sends the changes in batches; a batch whose prerequisite failed is retried one RRset at a time.
func (p *Publisher) apply(ctx context.Context, changes []change) (Result, error) {
	var res Result
	size := p.BatchSize
	if size <= 0 {
		size = 16
	}
	for i := 0; i < len(changes); i += size {
		batch := changes[i:min(i+size, len(changes))]
		conflict, err := p.update(ctx, batch, &res)
		if err != nil {
			return res, err
		}
		if !conflict {
			continue
		}
		for _, c := range batch {
			conflict, err := p.update(ctx, []change{c}, &res)
			if err != nil {
				return res, err
			}
			if conflict {
				res.Conflicts = append(res.Conflicts, c.String())
			}
		}
	}
	return res, nil
}

// update sends one UPDATE; true when a prerequisite failed (another writer got there first).
func (p *Publisher) update(ctx context.Context, batch []change, res *Result) (bool, error) {
	m := new(dns.Msg).SetUpdate(p.zone())
	for _, c := range batch {
		placeholder := []dns.RR{&dns.ANY{Hdr: dns.RR_Header{Name: c.key.name, Rrtype: c.key.rtype}}}
		if len(c.old) == 0 {
			m.RRsetNotUsed(placeholder)
		} else {
			m.Used(copies(c.old)) // Used and Insert rewrite the headers: never the shared records
		}
		m.RemoveRRset(placeholder)
		if len(c.new) > 0 {
			m.Insert(copies(c.new))
		}
	}
	m.SetTsig(dns.CanonicalName(p.KeyName), dns.HmacSHA256, 300, time.Now().Unix())
	res.Messages++
	r, _, err := p.client(true).ExchangeContext(ctx, m, p.Server)
	if err != nil {
		if isTSIG(err) {
			return false, fmt.Errorf("%w: update of %s at %s: %w", ErrTSIG, p.zone(), p.Server, err)
		}
		return false, fmt.Errorf("update %s at %s: %w", p.zone(), p.Server, err)
	}
	switch r.Rcode {
	case dns.RcodeSuccess:
		for _, c := range batch {
			p.setPublished(c)
		}
		res.Changed += len(batch)
		return false, nil
	case dns.RcodeNXRrset, dns.RcodeYXRrset:
		return true, nil
	case dns.RcodeNotAuth:
		if t := r.IsTsig(); t != nil && t.Error != dns.RcodeSuccess {
			return false, fmt.Errorf("%w: %s (%s)", ErrTSIG, dns.RcodeToString[int(t.Error)], p.Server)
		}
		return false, fmt.Errorf("%w: NOTAUTH for %s at %s", ErrRefused, p.zone(), p.Server)
	case dns.RcodeRefused:
		return false, fmt.Errorf("%w: REFUSED for %s at %s", ErrRefused, p.zone(), p.Server)
	default:
		return false, fmt.Errorf("update %s at %s: %s", p.zone(), p.Server, dns.RcodeToString[r.Rcode])
	}
}

func (p *Publisher) setPublished(c change) {
	if p.published == nil {
		p.published = map[rrKey][]dns.RR{}
	}
	if len(c.new) == 0 {
		delete(p.published, c.key)
		return
	}
	p.published[c.key] = c.new
}

func isTSIG(err error) bool {
	for _, e := range []error{dns.ErrSig, dns.ErrTime, dns.ErrKeyAlg, dns.ErrSecret, dns.ErrAuth} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func copies(rrs []dns.RR) []dns.RR {
	out := make([]dns.RR, len(rrs))
	for i, rr := range rrs {
		out[i] = dns.Copy(rr)
	}
	return out
}
