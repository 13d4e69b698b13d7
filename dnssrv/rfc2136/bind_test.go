package rfc2136

import (
	"context"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/orca-operator/orca/test/peers"
)

const (
	testZone   = "mysql.example.com"
	orcaKey    = "orca"
	orcaSecret = "c2VjcmV0LXRyYW5zZmVyLWtleS1mb3ItdGVzdHM="
	otherKey   = "other" // known to named, not allowed to update
	otherSec   = "b3RoZXItc2VjcmV0LWtleS1mb3ItdGVzdHMtMTIzNA=="
)

// startBIND runs a real named (Debian bind9) on 127.0.0.1 whose zone takes updates signed with orcaKey.
func startBIND(t *testing.T) string {
	t.Helper()
	return peers.StartBIND(t, peers.BINDConfig{Zone: testZone, Keys: map[string]string{orcaKey: orcaSecret,
		otherKey: otherSec}, UpdateKeys: []string{orcaKey}}).Addr
}

// dig asks named the way a client would, returning the RRset.
func dig(t *testing.T, addr, name string, qtype uint16) []dns.RR {
	t.Helper()
	r, _, err := (&dns.Client{Net: "tcp", Timeout: 5 * time.Second}).ExchangeContext(context.Background(),
		new(dns.Msg).SetQuestion(name, qtype), addr)
	if err != nil {
		t.Fatal(err)
	}
	return r.Answer
}
