// Package rfc2136 publishes Orca's records into an existing DNS server (BIND, PowerDNS, Knot, Windows DNS)
// with RFC 2136 dynamic updates signed with TSIG (hmac-sha256).
//
// Only RRsets that differ from what the server holds are sent, each with a prerequisite on its old value
// (compare-and-swap, RFC 2136 2.4.2/2.4.3): a concurrent writer makes the update fail with NXRRSET or
// YXRRSET and is reported as a conflict, never overwritten blindly. Updates are batched over TCP; a batch
// that meets a conflict is retried one RRset at a time so the others still land. Drift is repaired: when
// the zone's SOA serial moved since Orca's last update, every managed RRset is read again and corrected on
// the next Sync.
package rfc2136
