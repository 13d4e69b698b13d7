package xprotocol

import (
	"bytes"
	"fmt"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// readLoop is the session's one goroutine: it reads every frame, copies notices to the Notices channel and
// hands the current command its frames one at a time (waiting for the command to release each buffer).
func (s *Session) readLoop() {
	defer close(s.readerDone)
	for {
		typ, payload, err := s.fr.ReadFrame()
		if err != nil {
			s.fail(fmt.Errorf("read from %s: %w", s.addr, err))
			return
		}
		if typ == wire.ServerNotice {
			if err := s.deliverNotice(payload); err != nil {
				s.fail(err)
				return
			}
		}
		if !s.inCommand.Load() {
			if typ == wire.ServerNotice {
				continue
			}
			s.fail(s.unsolicited(typ, payload))
			return
		}
		select {
		case s.in <- inFrame{typ: typ, payload: payload}:
		case <-s.done:
			return
		}
		select {
		case <-s.ack:
		case <-s.done:
			return
		}
	}
}

// unsolicited explains a frame that arrived outside a command: usually a fatal error (killed, timeout).
func (s *Session) unsolicited(typ uint8, payload []byte) error {
	if typ == wire.ServerError {
		var e wire.Error
		if err := e.Unmarshal(payload); err != nil {
			return fmt.Errorf("decode error from %s: %w", s.addr, err)
		}
		return &e
	}
	return fmt.Errorf("%w: unexpected message type %d from %s outside a command", wire.ErrMalformed, typ, s.addr)
}

// deliverNotice copies a notice to the Notices channel without blocking.
func (s *Session) deliverNotice(payload []byte) error {
	var n wire.Notice
	if err := n.Unmarshal(payload); err != nil {
		return fmt.Errorf("decode notice from %s: %w", s.addr, err)
	}
	n.Payload = bytes.Clone(n.Payload)
	select {
	case s.notices <- n:
	default:
		s.dropped.Add(1)
	}
	return nil
}
