package classic

import (
	"errors"
	"fmt"
)

// write buffers one packet; the command loop flushes after the response. The first write error sticks
// in the buffered writer and surfaces at flush.
func (c *Conn) write(payload []byte) {
	_ = c.pkt.writePacket(payload)
}

// send writes one packet and flushes it, for the connection phase.
func (c *Conn) send(payload []byte) error {
	if err := c.pkt.writePacket(payload); err != nil {
		return fmt.Errorf("write packet: %w", err)
	}
	if err := c.pkt.flush(); err != nil {
		return fmt.Errorf("write packet: %w", err)
	}
	return nil
}

// fail sends e and returns an error that ends the connection phase.
func (c *Conn) fail(e *SQLError, reason string) error {
	if err := c.send(errPayload(e)); err != nil {
		return err
	}
	c.srv.Logger.V(1).Info("login refused", "conn", c.id, "reason", reason, "code", e.Code, "path", c.authPath)
	return fmt.Errorf("%w: %s", errLoginFailed, reason)
}

// readFailed tells the client why its packet was refused, when mysqld would, and returns err.
func (c *Conn) readFailed(err error) error {
	var e *SQLError
	switch {
	case errors.Is(err, ErrPacketTooLarge):
		e = NewSQLError(ErNetPacketTooLarge, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes")
	case errors.Is(err, ErrPacketsOutOfOrder):
		e = NewSQLError(ErNetPacketsOutOfOrd, "08S01", "Got packets out of order")
	default:
		return err
	}
	_ = c.send(errPayload(e))
	return err
}

func (c *Conn) writeErr(e *SQLError) {
	c.write(errPayload(e))
}

func (c *Conn) writeOK(affected, lastID uint64, warnings uint16, info string) {
	c.write(c.okPayload(0x00, affected, lastID, c.Status(), warnings, info))
}

// okPayload encodes an OK packet; header 0xfe makes the EOF-replacing form used with CLIENT_DEPRECATE_EOF.
func (c *Conn) okPayload(header byte, affected, lastID uint64, status StatusFlag, warnings uint16, info string) []byte {
	b := make([]byte, 0, 16+len(info))
	b = append(b, header)
	b = appendLenEncInt(b, affected)
	b = appendLenEncInt(b, lastID)
	b = append(b, byte(status), byte(status>>8), byte(warnings), byte(warnings>>8))
	return append(b, info...)
}

// writeEOF ends a column list or row stream: an EOF packet, or an OK packet with header 0xfe for clients
// that set CLIENT_DEPRECATE_EOF.
func (c *Conn) writeEOF(status StatusFlag, warnings uint16) {
	if c.hasCap(capDeprecateEOF) {
		c.write(c.okPayload(0xfe, 0, 0, status, warnings, ""))
		return
	}
	c.write([]byte{0xfe, byte(warnings), byte(warnings >> 8), byte(status), byte(status >> 8)})
}
