package pitr

import (
	"fmt"
	"time"
)

// HealthReason says why the chain is, or is not, healthy.
type HealthReason string

// Reasons of a Health besides the GapReasons.
const (
	// HealthContinuous: no gap, and the archiver reported within the tolerated downtime.
	HealthContinuous HealthReason = "ChainContinuous"
	// HealthArchiveEmpty: no segment yet.
	HealthArchiveEmpty HealthReason = "ArchiveEmpty"
	// HealthArchiverDown: the archiver has not reported, or has followed no source, for longer than tolerated.
	HealthArchiverDown HealthReason = "ArchiverDown"
	// HealthExpiryTooShort: the chain is whole, but the source purges binary logs sooner than the archiver may
	// be down: an outage that long would leave a gap.
	HealthExpiryTooShort HealthReason = "BinlogExpiryTooShort"
)

// Health is the chain's state as the cluster status shows it.
type Health struct {
	// Healthy is false when a restore cannot reach the present: a gap in the chain, or the archiver down.
	Healthy bool
	Reason  HealthReason
	Message string
	// Latest, LatestSet and Since are Chain.Latest's: the newest restorable point and where its run starts
	// (zero when the chain's end is broken).
	Latest    time.Time
	LatestSet string
	Since     uint64
	Segments  int
	// LastArchivedAt is when the newest segment was written.
	LastArchivedAt time.Time
}

// Judge decides the chain's health from its analysis, the archiver's heartbeat (nil: none written) and the
// tolerated archiver downtime. The newest gap counts first (it limits every restore past it), then the
// archiver's liveness, then binlog_expire_logs_seconds against the downtime. It decides only.
func Judge(c Chain, hb *Heartbeat, now time.Time, maxDown time.Duration) Health {
	h := Health{Segments: len(c.Segments)}
	if n := len(c.Segments); n > 0 {
		h.LastArchivedAt = c.Segments[n-1].ArchivedAt
	}
	if t, set, since, ok := c.Latest(); ok {
		h.Latest, h.LatestSet, h.Since = t, set, since
	}
	if n := len(c.Gaps); n > 0 {
		g := c.Gaps[n-1]
		h.Reason, h.Message = HealthReason(g.Reason), g.Message
		return h
	}
	if msg, down := archiverDown(hb, h.LastArchivedAt, now, maxDown); down {
		h.Reason, h.Message = HealthArchiverDown, msg
		return h
	}
	if len(c.Segments) == 0 {
		h.Reason, h.Message = HealthArchiveEmpty, "the archiver has not written a segment yet"
		return h
	}
	h.Healthy, h.Reason = true, HealthContinuous
	h.Message = fmt.Sprintf("%d segments without a gap; restorable up to %s", len(c.Segments),
		h.Latest.UTC().Format(time.RFC3339))
	if hb != nil && hb.BinlogExpireSeconds != nil && *hb.BinlogExpireSeconds > 0 &&
		time.Duration(*hb.BinlogExpireSeconds)*time.Second < maxDown {
		h.Reason = HealthExpiryTooShort
		h.Message = fmt.Sprintf("binlog_expire_logs_seconds of %s is %d, shorter than the tolerated archiver "+
			"downtime %s: an archiver down that long finds binary logs purged (a gap)", hb.Source,
			*hb.BinlogExpireSeconds, maxDown)
	}
	return h
}

// archiverDown reports whether the archiver is down for longer than maxDown: its heartbeat is that old, or it
// has followed no source that long. Without a heartbeat its newest segment stands in (an archiver that never
// wrote either is not judged down: nothing shows it ever ran).
func archiverDown(hb *Heartbeat, lastArchived, now time.Time, maxDown time.Duration) (string, bool) {
	switch {
	case hb == nil && !lastArchived.IsZero() && now.Sub(lastArchived) > maxDown:
		return fmt.Sprintf("no heartbeat and no segment since %s (tolerated downtime %s)",
			lastArchived.UTC().Format(time.RFC3339), maxDown), true
	case hb == nil:
		return "", false
	case now.Sub(hb.At) > maxDown:
		return fmt.Sprintf("the archiver last reported at %s (tolerated downtime %s)",
			hb.At.UTC().Format(time.RFC3339), maxDown), true
	case !hb.Following && now.Sub(hb.Since) > maxDown:
		return fmt.Sprintf("the archiver has followed no source since %s (tolerated downtime %s): %s",
			hb.Since.UTC().Format(time.RFC3339), maxDown, hb.Error), true
	}
	return "", false
}
