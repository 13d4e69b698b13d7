package classic

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
)

// Replication answers the commands a replica (or a binary log reader such as mysqlbinlog) sends. Both run on
// the connection's goroutine.
type Replication interface {
	// RegisterReplica answers COM_REGISTER_SLAVE; a returned error is sent as an ERR packet, else OK.
	RegisterReplica(ctx context.Context, c *Conn, r ReplicaInfo) error
	// DumpGTID answers COM_BINLOG_DUMP_GTID: it sends events with send until the stream ends. A returned
	// error is sent as an ERR packet; nil (a non-blocking dump at the end of the log) as an EOF packet. The
	// connection ends afterwards either way, as mysqld's does ("fake COM_QUIT").
	DumpGTID(ctx context.Context, c *Conn, r DumpRequest, send func(event []byte) error) error
}

// ReplicaInfo is the payload of COM_REGISTER_SLAVE.
type ReplicaInfo struct {
	ServerID             uint32
	Host, User, Password string
	Port                 uint16
}

// Flags of COM_BINLOG_DUMP_GTID.
const (
	// DumpNonBlock ends the dump at the end of the binary log instead of waiting (BINLOG_DUMP_NON_BLOCK).
	DumpNonBlock uint16 = 0x01
	// DumpHeartbeatV2 asks for HEARTBEAT_LOG_EVENT_V2 (USE_HEARTBEAT_EVENT_V2).
	DumpHeartbeatV2 uint16 = 0x02
	// DumpThroughGTID says the request carries a GTID set (BINLOG_THROUGH_GTID).
	DumpThroughGTID uint16 = 0x04
)

// DumpRequest is the payload of COM_BINLOG_DUMP_GTID.
type DumpRequest struct {
	Flags    uint16
	ServerID uint32
	File     string
	Position uint64
	// GTIDs is the encoded GTID set the replica has (Gtid_set::encode), present with DumpThroughGTID.
	GTIDs []byte
}

var errMalformedCommand = NewSQLError(ErMalformedPacket, "HY000", "Malformed communication packet.")

// replicationCommand runs COM_REGISTER_SLAVE or COM_BINLOG_DUMP_GTID. It reports true when the connection ends.
func (c *Conn) replicationCommand(cmd byte, arg []byte) bool {
	r := c.srv.Replication
	if r == nil {
		return c.unknownCommand()
	}
	if cmd == comRegisterSlave {
		info, ok := parseRegister(arg)
		if !ok {
			c.writeErr(errMalformedCommand)
			return false
		}
		if err := r.RegisterReplica(c.ctx, c, info); err != nil {
			c.writeErr(toSQLError(err))
			return false
		}
		c.writeOK(0, 0, 0, "")
		return false
	}
	c.binlogDump(r, arg)
	return true
}

// parseRegister decodes COM_REGISTER_SLAVE: server id, host, user and password (each a length and text; MySQL
// Internals documents a 1-byte length, 8.4's register_replica reads net_field_length, the same below 251),
// port, rank (ignored) and source id (ignored).
func parseRegister(arg []byte) (ReplicaInfo, bool) {
	d := &decoder{b: arg}
	info := ReplicaInfo{ServerID: d.uint32()}
	for _, dst := range []*string{&info.Host, &info.User, &info.Password} {
		*dst = string(d.lenEncBytes())
	}
	info.Port = d.uint16()
	d.uint32()
	d.uint32()
	return info, d.err == nil
}

// parseDump decodes COM_BINLOG_DUMP_GTID: flags, server id, file name length and name, position and, with
// DumpThroughGTID, the length and bytes of the encoded GTID set.
func parseDump(arg []byte) (DumpRequest, bool) {
	d := &decoder{b: arg}
	r := DumpRequest{Flags: d.uint16(), ServerID: d.uint32()}
	r.File = string(d.bytes(int(d.uint32())))
	if p := d.bytes(8); p != nil {
		r.Position = binary.LittleEndian.Uint64(p)
	}
	if r.Flags&DumpThroughGTID != 0 {
		r.GTIDs = d.bytes(int(d.uint32()))
	}
	return r, d.err == nil
}

// binlogDump streams the events, each an OK-marked packet flushed at once, then the ERR or EOF that ends it.
func (c *Conn) binlogDump(r Replication, arg []byte) {
	req, ok := parseDump(arg)
	if !ok {
		c.writeErr(errMalformedCommand)
		_ = c.pkt.flush()
		return
	}
	send := func(event []byte) error {
		if err := c.send(append([]byte{0x00}, event...)); err != nil {
			return fmt.Errorf("send binlog event: %w", err)
		}
		return nil
	}
	err := c.callDump(r, req, send)
	var se *SQLError
	switch {
	case err == nil:
		c.writeEOF(c.Status(), 0)
	case errors.As(err, &se):
		c.writeErr(se)
	default: // the client went away, or the server ended the dump without a word (a crash)
		return
	}
	_ = c.pkt.flush()
}

func (c *Conn) callDump(r Replication, req DumpRequest, send func([]byte) error) (err error) {
	defer c.recoverHandler(&err, "COM_BINLOG_DUMP_GTID")
	return r.DumpGTID(c.ctx, c, req, send)
}
