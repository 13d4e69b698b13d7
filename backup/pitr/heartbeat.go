package pitr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/orca-operator/orca/backup"
)

// HeartbeatKey is where the archiver says, every HeartbeatInterval, that it runs and what it follows.
const HeartbeatKey = Prefix + "archiver.json"

// DefaultHeartbeatInterval is Config.HeartbeatInterval's default.
const DefaultHeartbeatInterval = 10 * time.Second

// maxErrorLen bounds the error a heartbeat carries.
const maxErrorLen = 512

// Heartbeat is the archiver's last word about itself. The chain's health is judged from it and the index.
type Heartbeat struct {
	// At is when it was written.
	At time.Time `json:"at"`
	// Source is the member followed ("" while none is).
	Source string `json:"source,omitempty"`
	// Following is true while a source streams to the archiver; Since is when that last changed.
	Following bool      `json:"following"`
	Since     time.Time `json:"since"`
	// Archived is the GTID set the archive holds.
	Archived string `json:"archived,omitempty"`
	// BinlogExpireSeconds is the followed source's binlog_expire_logs_seconds (0: never purged); nil when not
	// read.
	BinlogExpireSeconds *int64 `json:"binlogExpireSeconds,omitempty"`
	// Error is why the archiver follows no source, while it does not.
	Error string `json:"error,omitempty"`
}

// ParseHeartbeat reads a heartbeat (untrusted: it comes back from the store).
func ParseHeartbeat(b []byte) (Heartbeat, error) {
	var h Heartbeat
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&h); err != nil {
		return Heartbeat{}, fmt.Errorf("%w: archiver heartbeat: %w", backup.ErrCorrupt, err)
	}
	if h.At.IsZero() {
		return Heartbeat{}, fmt.Errorf("%w: archiver heartbeat without a time", backup.ErrCorrupt)
	}
	return h, nil
}

// LoadHeartbeat reads the archiver's heartbeat; nil when it never wrote one.
func LoadHeartbeat(ctx context.Context, st backup.Store) (*Heartbeat, error) {
	rc, err := st.Open(ctx, HeartbeatKey)
	if errors.Is(err, backup.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", HeartbeatKey, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, maxIndexBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", HeartbeatKey, err)
	}
	if len(b) > maxIndexBytes {
		return nil, fmt.Errorf("%w: %s is over %d bytes", backup.ErrCorrupt, HeartbeatKey, maxIndexBytes)
	}
	h, err := ParseHeartbeat(b)
	if err != nil {
		return nil, err
	}
	return &h, nil
}

func shortError(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if len(s) > maxErrorLen {
		s = s[:maxErrorLen]
	}
	return s
}
