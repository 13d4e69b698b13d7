package pitr

import (
	"context"
	"fmt"
	"time"

	"github.com/orca-operator/orca/binlog"
)

// pending is the segment being filled.
type pending struct {
	txns  []*binlog.Transaction
	bytes int
	// due is when it must be uploaded: its first transaction's arrival plus the segment interval.
	due      time.Time
	source   string
	serverID uint32
}

type received struct {
	event []byte
	err   error
}

// follow streams one source until it fails, cutting segments as they fill or fall due.
func (a *Archiver) follow(ctx context.Context) error {
	addr, src, err := a.pickSource(ctx)
	if err != nil {
		return err
	}
	from, err := a.startSet(src)
	if err != nil {
		return err
	}
	stream, err := binlog.Dial(ctx, a.binlogConfig(addr), from)
	if err != nil {
		return err
	}
	defer func() { _ = stream.Close() }()
	a.beacon.following(addr, stream.Source, time.Now())
	a.cfg.Log.Info("following the binary log", "source", addr, "readOnly", src.ReadOnly, "from", from.String())
	events, done := make(chan received, 64), make(chan struct{})
	defer close(done)
	go read(stream, events, done)
	err = a.consume(ctx, stream, addr, events)
	if purged(err, src, a.state) {
		a.skipGap(src, err)
	}
	return err
}

// read passes the stream's events on until it fails or done is closed (the stream is closed then too).
func read(s *binlog.Stream, out chan<- received, done <-chan struct{}) {
	for {
		ev, err := s.Next()
		select {
		case out <- received{event: ev, err: err}:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (a *Archiver) consume(ctx context.Context, s *binlog.Stream, addr string, events <-chan received) error {
	asm := binlog.NewAssembler(s.Source.Checksummed)
	tick := time.NewTicker(a.cfg.SegmentInterval / 10)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if err := a.flushIfDue(ctx, time.Now()); err != nil {
				return err
			}
		case r := <-events:
			if r.err != nil {
				return r.err
			}
			txn, err := asm.Feed(r.event)
			if err != nil {
				return fmt.Errorf("read the binary log of %s: %w", addr, err)
			}
			if txn != nil {
				if err := a.add(ctx, txn, addr, s.Source.ServerID); err != nil {
					return err
				}
			}
		}
	}
}

// add buffers a transaction not yet archived; one the archive holds (a source re-sending it) is dropped.
func (a *Archiver) add(ctx context.Context, txn *binlog.Transaction, addr string, serverID uint32) error {
	if a.state.Contains(txn.GTID) {
		return nil
	}
	if a.seg != nil && string(a.seg.txns[0].Format) != string(txn.Format) {
		if err := a.flush(ctx); err != nil {
			return err
		}
	}
	if a.seg == nil {
		a.seg = &pending{due: time.Now().Add(a.cfg.SegmentInterval), source: addr, serverID: serverID}
	}
	a.seg.txns = append(a.seg.txns, txn)
	a.seg.bytes += txn.Size()
	a.state.Add(txn.GTID)
	if a.seg.bytes >= a.cfg.SegmentBytes {
		return a.flush(ctx)
	}
	return nil
}

func (a *Archiver) flushIfDue(ctx context.Context, now time.Time) error {
	if a.seg == nil || now.Before(a.seg.due) {
		return nil
	}
	return a.flush(ctx)
}

// skipGap restarts the archive at the source's present position: the events in between were purged from
// every source before they were archived. The next segment's StartSet shows the gap.
func (a *Archiver) skipGap(src binlog.Source, err error) {
	a.cfg.Log.Error(err, "the source purged binary logs the archive lacks: the chain has a gap",
		"archived", a.state.String(), "sourceExecuted", src.Executed.String())
	a.archived, a.state = src.Executed.Clone(), src.Executed.Clone()
}
