package mysqlsim

import (
	"context"
	"errors"
)

// nextEvents waits for transactions the dump has not sent and returns their events. With nothing new for
// the heartbeat period it returns a heartbeat; a non-blocking dump is done instead. The member going down or
// restarting ends the dump with ErrMemberDown.
func (m *Member) nextEvents(ctx context.Context, d *dump) ([][]byte, bool, error) {
	wait := ctx
	if d.beat > 0 {
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(ctx, d.beat)
		defer cancel()
	}
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	gone := func() bool { return !m.up || m.incarnation != d.inc }
	news := func() bool { return !m.gtid.Subtract(d.sent).IsEmpty() }
	var err error
	if !d.nonBlock {
		err = m.g.waitUntil(wait, func() bool { return gone() || news() })
	}
	switch {
	case gone():
		return nil, false, ErrMemberDown
	case ctx.Err() != nil:
		return nil, false, ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return [][]byte{d.w.heartbeat(d.file)}, false, nil
	case !news():
		return nil, d.nonBlock, nil
	}
	return m.pendingEvents(d), false, nil
}

// pendingEvents are the events of every transaction the member has and the dump has not sent, in GTID
// order. Called with the lock held.
func (m *Member) pendingEvents(d *dump) [][]byte {
	todo := m.gtid.Subtract(d.sent)
	var out [][]byte
	for _, k := range todo.keys() {
		d.seq++
		out = append(out, d.w.transactionEvents(k, m.g.binlogBody(k), d.version, d.seq)...)
	}
	d.sent = d.sent.Union(todo)
	return out
}
