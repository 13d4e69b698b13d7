// Package xprotocol is a client for the MySQL X Protocol (MySQL's X Plugin, port 33060). The codec lives in
// xprotocol/wire and a server side in xprotocol/xserver; this package depends only on wire.
//
// Dial connects, negotiates TLS (TLSMode), sets connection attributes and authenticates (the connectors'
// order: PLAIN over TLS; otherwise MYSQL41, then SHA256_MEMORY after ERROR 1045). A Session runs one
// background goroutine that reads frames: replies go to the caller of the current command, notices go to
// the channel returned by Notices without ever blocking the reader (a full buffer drops the notice and
// counts it in DroppedNotices). Commands on one Session are serialised.
package xprotocol
