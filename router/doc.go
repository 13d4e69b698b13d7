// Package router is `orca router`: a connection-level MySQL router for one InnoDB Cluster, compatible with
// MySQL Router's ports (6446 classic RW, 6447 classic RO, 6448 X RW, 6449 X RO).
//
// RW connections go to the primary, RO connections round-robin over the ONLINE secondaries (the primary when
// there are none). The routing table is Compute's pure decision over the members' own answers, which an X
// Protocol session per member keeps current: Group Replication notices re-probe at once, the monitor SQL
// (mysqladmin/monitor.go) runs every poll interval. After the backend is chosen the router parses nothing:
// bytes move with io.Copy between the two TCP connections (splice on Linux) and TLS passes through. A role
// change closes the established connections the new table does not keep (RW to a demoted primary) and no
// other. A connection the router cannot route gets a MySQL error in place of the server's first message.
//
// Server follows the miekg/dns shape: a documented config struct, Serve per listener, Shutdown(ctx) that
// drains, NotifyStartedFunc for tests. Handler serves /metrics and /healthz. See docs/router.md.
package router
