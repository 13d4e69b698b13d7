package router

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// Why a new connection was refused (the refused-connections metric's reason label).
const (
	refusedMaxConnections = "max_connections" // MaxConnections reached
	refusedNoPrimary      = "no_primary"      // RW: no routable primary (an election, or not probed yet)
	refusedQuorumLost     = "quorum_lost"     // no member has quorum (RO too when StopROOnQuorumLoss)
	refusedNoTopology     = "no_topology"     // no member answered
	refusedNoDestination  = "no_destination"  // RO: no ONLINE member to read from
	refusedConnectFailed  = "connect_failed"  // every destination refused or timed out
)

// MySQL's codes for the errors the router sends in place of a server: MySQL Router's 2003 (HY000) when no
// backend can serve the client, mysqld's ER_CON_COUNT_ERROR 1040 (08004) over the connection limit.
const (
	codeCantConnect     = 2003
	codeTooManyConns    = 1040
	maxFirstFrame       = 1 << 20 // an X client's first message is a small CapabilitiesGet/Set
	refusalDrainTimeout = time.Second
)

// refusal is a MySQL error sent to a client the router will not route.
type refusal struct {
	code     uint16
	sqlState string
	msg      string
	reason   string
}

func tooManyConnections() *refusal {
	return &refusal{code: codeTooManyConns, sqlState: "08004", msg: "Too many connections",
		reason: refusedMaxConnections}
}

// cantConnect is MySQL Router's text for a client with no backend, with the router's reason after it.
func cantConnect(local net.Addr, reason, why string) *refusal {
	return &refusal{code: codeCantConnect, sqlState: "HY000", reason: reason,
		msg: fmt.Sprintf("Can't connect to remote MySQL server for client connected to '%s' (%s)", local, why)}
}

// classicError is an ERR packet in place of the server greeting: sequence 0 and, as mysqld and MySQL Router
// send before any capability is agreed, no SQL state (the 4.1 "#HY000" marker needs CLIENT_PROTOCOL_41).
func classicError(code uint16, msg string) []byte {
	payload := make([]byte, 0, 3+len(msg))
	payload = append(payload, 0xff)
	payload = binary.LittleEndian.AppendUint16(payload, code)
	payload = append(payload, msg...)
	n := len(payload)
	return append([]byte{byte(n), byte(n >> 8), byte(n >> 16), 0}, payload...)
}

// xError is a fatal Mysqlx.Error frame: the client reports it and the connection ends.
func xError(r *refusal) []byte {
	return wire.AppendFrame(nil, &wire.Error{Severity: wire.SeverityFatal, Code: uint32(r.code),
		SQLState: r.sqlState, Msg: r.msg})
}

// readFirstFrame consumes an X Protocol client's first message (the server never speaks first): answering it
// rather than the bare connect lets the client read the error instead of a reset. Only the frame's length is
// trusted, and only up to maxFirstFrame.
func readFirstFrame(r io.Reader) error {
	_, _, err := wire.NewFrameReader(r, maxFirstFrame).ReadFrame()
	return err
}

// answerable says whether the client should still get the error after its first frame failed to read: a
// malformed or oversized frame does, a client that left or stalled does not.
func answerable(err error) bool {
	return err == nil || errors.Is(err, wire.ErrFrameTooLarge) || errors.Is(err, wire.ErrEmptyFrame)
}

// refuse answers c with r's error and closes it.
func (s *Server) refuse(c net.Conn, route Route, r *refusal) {
	defer func() { _ = c.Close() }()
	s.metrics.refused(route, r.reason)
	s.log.V(1).Info("connection refused", "route", route.String(), "reason", r.reason, "client",
		c.RemoteAddr().String())
	_ = c.SetDeadline(time.Now().Add(s.ConnectTimeout))
	packet := classicError(r.code, r.msg)
	if route.x() {
		if err := readFirstFrame(c); !answerable(err) {
			return
		}
		packet = xError(r)
	}
	if _, err := c.Write(packet); err != nil {
		return
	}
	// Half close and read what the client still sends, so that closing does not reset the error away.
	closeWrite(c)
	_ = c.SetReadDeadline(time.Now().Add(refusalDrainTimeout))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, maxFirstFrame))
}
