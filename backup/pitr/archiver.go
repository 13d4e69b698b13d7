package pitr

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/binlog"
	"github.com/orca-operator/orca/memberdial"
)

// Defaults of Config.
const (
	DefaultSegmentInterval = 5 * time.Second
	DefaultSegmentBytes    = 16 << 20
	DefaultRetry           = time.Second
	finalFlushTimeout      = 30 * time.Second
)

// Config says what the archiver follows and where it writes.
type Config struct {
	// Sources are the members (host:port) the archiver may read; it prefers the writable one (the primary) and
	// moves to another when its source goes away.
	Sources []string
	// User and Password are the replication account (never logged).
	User, Password string
	// Dialer opens connections; nil is memberdial.Direct.
	Dialer memberdial.Dialer
	// TLS, when set, encrypts the connections and verifies each source's certificate for its host name
	// (binlog.Config.TLS). Nil connects without TLS.
	TLS *tls.Config
	// ServerID is the replica id the archiver registers with. Default binlog.DefaultServerID.
	ServerID uint32
	// Store is the cluster's backup store; the archive lives under Prefix in it.
	Store backup.Store
	// SegmentInterval bounds how long a received transaction waits before its segment is uploaded.
	// Default 5 s.
	SegmentInterval time.Duration
	// SegmentBytes cuts a segment once it holds that many bytes of events. Default 16 MiB.
	SegmentBytes int
	// Retry is the wait between connection attempts. Default 1 s.
	Retry time.Duration
	// Heartbeat is the sources' heartbeat period (a silent source is given up after 4 of them). Default 1 s.
	Heartbeat time.Duration
	// StartFrom is where an empty archive begins ("" for the oldest binary log the source has).
	StartFrom string
	// Log receives progress and errors.
	Log logr.Logger
	// OnSegment, when set, is called after each segment's index entry is written.
	OnSegment func(Segment)
	// HeartbeatInterval is how often the archiver writes HeartbeatKey. Default 10 s.
	HeartbeatInterval time.Duration
}

func (c Config) withDefaults() Config {
	if c.SegmentInterval <= 0 {
		c.SegmentInterval = DefaultSegmentInterval
	}
	if c.SegmentBytes <= 0 {
		c.SegmentBytes = DefaultSegmentBytes
	}
	if c.Retry <= 0 {
		c.Retry = DefaultRetry
	}
	if c.Dialer == nil {
		c.Dialer = memberdial.Direct()
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	return c
}

// Archiver follows one cluster's binary log into the store. Run it once per cluster.
type Archiver struct {
	cfg Config
	// next is the sequence number of the next segment.
	next uint64
	// archived is the GTID set the archive holds (the last index entry's EndSet); state adds what is buffered.
	archived, state binlog.Set
	// started is true once the archive has a start point (resumed from the index, or set by the first
	// source): every later connection continues from state, whichever source it reaches.
	started bool
	seg     *pending
	beacon  beacon
}

// New returns an archiver; Run reads the archive's index before following a source.
func New(cfg Config) (*Archiver, error) {
	if len(cfg.Sources) == 0 || cfg.Store == nil {
		return nil, errors.New("pitr: sources and a store are required")
	}
	return &Archiver{cfg: cfg.withDefaults()}, nil
}

// Run archives until ctx ends, reconnecting to a source (the primary when one is writable) after every error.
// It returns ctx's error, or an error about the archive itself (a corrupt index).
func (a *Archiver) Run(ctx context.Context) error {
	if err := a.resume(ctx); err != nil {
		return err
	}
	beat, stopBeats := context.WithCancel(ctx)
	beats := make(chan struct{})
	go func() { defer close(beats); a.heartbeats(beat) }()
	defer func() { stopBeats(); <-beats }()
	for ctx.Err() == nil {
		err := a.follow(ctx)
		a.beacon.lost(err, time.Now())
		// What was received is uploaded even when ctx ended (a pod asked to stop).
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finalFlushTimeout)
		ferr := a.flush(fctx)
		cancel()
		if ferr != nil {
			err = errors.Join(err, ferr)
		}
		if ctx.Err() != nil {
			break
		}
		a.cfg.Log.Error(err, "binary log archive interrupted; reconnecting", "retryIn", a.cfg.Retry.String())
		select {
		case <-ctx.Done():
		case <-time.After(a.cfg.Retry):
		}
	}
	return ctx.Err()
}

// resume continues after the newest index entry: no gap, no duplicate.
func (a *Archiver) resume(ctx context.Context) error {
	segs, _, err := LoadIndex(ctx, a.cfg.Store)
	if err != nil {
		return err
	}
	a.next = 1
	if len(segs) == 0 {
		return nil
	}
	last := segs[len(segs)-1]
	if a.archived, err = binlog.ParseSet(last.EndSet, last.MariaDB()); err != nil {
		return fmt.Errorf("%w: resume from segment %d: %w", backup.ErrCorrupt, last.Seq, err)
	}
	a.state, a.next, a.started = a.archived.Clone(), last.Seq+1, true
	a.beacon.archived(last.EndSet)
	a.cfg.Log.Info("resuming the binary log archive", "segment", a.next, "gtidSet", last.EndSet)
	return nil
}
