package pitr

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/orca-operator/orca/binlog"
)

// beacon is the archiver's heartbeat as it changes; the heartbeat loop writes a copy of it.
type beacon struct {
	mu sync.Mutex
	h  Heartbeat
}

func (b *beacon) following(addr string, src binlog.Source, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.h.Following || b.h.Source != addr {
		b.h.Since = now
	}
	b.h.Source, b.h.Following, b.h.Error, b.h.BinlogExpireSeconds = addr, true, "", src.ExpireSeconds
}

func (b *beacon) lost(err error, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.h.Following || b.h.Since.IsZero() {
		b.h.Since = now
	}
	b.h.Following, b.h.Error = false, shortError(err)
}

func (b *beacon) archived(set string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.h.Archived = set
}

func (b *beacon) snapshot(now time.Time) Heartbeat {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.h
	h.At = now.UTC()
	if h.Since.IsZero() {
		h.Since = h.At
	}
	return h
}

// heartbeats writes the heartbeat at once and then every interval until ctx ends. A failed write is logged
// and tried again at the next tick: the chain's observer reads an old heartbeat as an archiver down.
func (a *Archiver) heartbeats(ctx context.Context) {
	tick := time.NewTicker(a.cfg.HeartbeatInterval)
	defer tick.Stop()
	for {
		b, err := json.Marshal(a.beacon.snapshot(time.Now()))
		if err == nil {
			err = put(ctx, a.cfg.Store, HeartbeatKey, b)
		}
		if err != nil && ctx.Err() == nil {
			a.cfg.Log.Error(err, "write the archiver heartbeat")
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
