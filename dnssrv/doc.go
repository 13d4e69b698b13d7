// Package dnssrv serves role-aware DNS SRV records for InnoDB Clusters (docs/dns.md).
//
// Build is a pure function from plain data (each cluster's observed members) to an immutable Zone: SOA and NS
// at the apex, per cluster <cluster>.<namespace>.<zone> the SRV names _mysql._tcp and _mysqlx._tcp (every
// ONLINE member of the majority, the primary at priority 0 and the secondaries at 10), their primary. and
// replicas. variants, the router's names while a router runs, and an A record per listed member. Members that
// are RECOVERING, ERROR, OFFLINE, UNREACHABLE or in a minority are never listed, whatever their pod readiness.
//
// Server answers the zone over UDP and TCP in the miekg/dns shape: a documented config struct, Serve per
// listener, Shutdown(ctx), NotifyStartedFunc for tests. Answers are packed when the zone changes, so a
// steady-state query is a map lookup and a copy.
package dnssrv
