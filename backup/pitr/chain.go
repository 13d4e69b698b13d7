package pitr

import (
	"fmt"
	"time"

	"github.com/orca-operator/orca/binlog"
)

// GapReason says why the chain is broken at a place.
type GapReason string

// Reasons of a Gap.
const (
	// GapSegmentMissing: an index entry whose segment object is gone (deleted).
	GapSegmentMissing GapReason = "SegmentMissing"
	// GapIndexMissing: a sequence number without an index entry.
	GapIndexMissing GapReason = "IndexMissing"
	// GapNotArchived: a segment does not start where the previous ended: binary logs were purged before the
	// archiver read them (it was down, or started later).
	GapNotArchived GapReason = "BinlogNotArchived"
)

// Gap is one break of the chain, between segments After and Before (0: the chain's start or end).
type Gap struct {
	Reason        GapReason
	After, Before uint64
	Message       string
}

func (g Gap) String() string { return fmt.Sprintf("%s: %s", g.Reason, g.Message) }

// Chain is the archive's segments in order and the breaks between them.
type Chain struct {
	Segments []Segment
	Gaps     []Gap
}

// Analyze finds the gaps of an archive from its index entries (in sequence order) and the keys of the segment
// objects present. It decides only; it reads nothing.
func Analyze(segs []Segment, present map[string]bool) Chain {
	c := Chain{Segments: segs}
	for i, s := range segs {
		if !present[SegmentKey(s.Seq)] {
			c.Gaps = append(c.Gaps, Gap{Reason: GapSegmentMissing, After: s.Seq - 1, Before: s.Seq + 1,
				Message: fmt.Sprintf("segment %d (%s to %s) is missing from the store", s.Seq, s.FirstGTID,
					s.LastGTID)})
		}
		if i == 0 {
			continue
		}
		prev := segs[i-1]
		switch {
		case s.Seq != prev.Seq+1:
			c.Gaps = append(c.Gaps, Gap{Reason: GapIndexMissing, After: prev.Seq, Before: s.Seq,
				Message: fmt.Sprintf("no index entry between segments %d and %d", prev.Seq, s.Seq)})
		case !sameSet(s.StartSet, prev.EndSet, s.MariaDB()):
			c.Gaps = append(c.Gaps, Gap{Reason: GapNotArchived, After: prev.Seq, Before: s.Seq,
				Message: fmt.Sprintf("segment %d ends at %s, segment %d starts at %s: the transactions between were "+
					"purged before they were archived", prev.Seq, prev.EndSet, s.Seq, s.StartSet)})
		}
	}
	return c
}

func sameSet(a, b string, mariadb bool) bool {
	x, err1 := binlog.ParseSet(a, mariadb)
	y, err2 := binlog.ParseSet(b, mariadb)
	return err1 == nil && err2 == nil && x.Includes(y) && y.Includes(x)
}

// Latest is the newest point the chain reaches from its last gap: the time and GTID set after its last
// segment, and the first segment of that unbroken run.
func (c Chain) Latest() (t time.Time, gtidSet string, since uint64, ok bool) {
	if len(c.Segments) == 0 {
		return time.Time{}, "", 0, false
	}
	last := c.Segments[len(c.Segments)-1]
	if _, broken := c.gapWithin(last.Seq, last.Seq); broken {
		return time.Time{}, "", 0, false
	}
	since = c.Segments[0].Seq
	for _, g := range c.Gaps {
		since = max(since, g.Before)
	}
	return last.LastTime, last.EndSet, since, true
}
