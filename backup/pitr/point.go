package pitr

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/orca-operator/orca/binlog"
)

// Point is where a restore stops: the newest archived transaction, a time, or a GTID set.
type Point struct {
	// Latest replays everything the chain holds.
	Latest bool
	// Time stops before the first transaction logged at or after it. MariaDB logs whole seconds: give a whole
	// second for an exact cut (12:00:03 keeps what began before 12:00:03.000).
	Time time.Time
	// GTIDs stops right after the transaction that completes the set.
	GTIDs string
}

// ParsePoint reads "latest", an RFC 3339 time or a GTID set.
func ParsePoint(s string) (Point, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || strings.EqualFold(s, "latest"):
		return Point{Latest: true}, nil
	case strings.Contains(s, "T") && !strings.Contains(s, ":T"):
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return Point{}, fmt.Errorf("restore point %q: %w", s, err)
		}
		return Point{Time: t.UTC()}, nil
	}
	if _, err1 := binlog.ParseSet(s, true); err1 != nil {
		if _, err2 := binlog.ParseSet(s, false); err2 != nil {
			return Point{}, fmt.Errorf("restore point %q is not latest, an RFC 3339 time or a GTID set", s)
		}
	}
	return Point{GTIDs: s}, nil
}

func (p Point) String() string {
	switch {
	case p.Latest:
		return "latest"
	case p.GTIDs != "":
		return p.GTIDs
	}
	return p.Time.Format(time.RFC3339Nano)
}

// ErrGap is returned when the chain cannot bring the backup to the point: a segment is missing, the archive
// starts after the backup, or it ends before the point.
var ErrGap = errors.New("the binary log archive cannot reach the restore point")

// Plan is the segments to replay onto a base backup, decided from the chain before anything is restored.
type Plan struct {
	Base     binlog.Set
	Point    Point
	target   binlog.Set
	Segments []Segment
}

// PlanReplay chooses the segments that bring a backup at base (its manifest's GTID set) to the point, or
// returns ErrGap naming why the chain cannot.
func PlanReplay(c Chain, base string, p Point) (Plan, error) {
	if len(c.Segments) == 0 {
		if p.Latest {
			return Plan{Point: p}, nil
		}
		return Plan{}, fmt.Errorf("%w: the archive is empty", ErrGap)
	}
	mariadb := c.Segments[0].MariaDB()
	b, err := binlog.ParseSet(base, mariadb)
	if err != nil {
		return Plan{}, fmt.Errorf("the backup's GTID set: %w", err)
	}
	plan := Plan{Base: b, Point: p}
	if p.GTIDs != "" {
		if plan.target, err = binlog.ParseSet(p.GTIDs, mariadb); err != nil {
			return Plan{}, fmt.Errorf("restore point: %w", err)
		}
	}
	first, last, err := plan.bounds(c)
	if err != nil || first < 0 {
		return plan, err
	}
	if g, broken := c.gapWithin(c.Segments[first].Seq, c.Segments[last].Seq); broken {
		return Plan{}, fmt.Errorf("%w: %s", ErrGap, g)
	}
	plan.Segments = c.Segments[first : last+1]
	return plan, nil
}

// bounds finds the first segment with transactions the backup lacks and the last one the point needs
// (first -1: the backup is already at the point).
func (p Plan) bounds(c Chain) (first, last int, err error) {
	first = -1
	for i, s := range c.Segments {
		end, _ := binlog.ParseSet(s.EndSet, s.MariaDB())
		if !p.Base.Includes(end) {
			first = i
			break
		}
	}
	if first < 0 {
		return p.reachedByBase(c)
	}
	if start, _ := binlog.ParseSet(c.Segments[first].StartSet, p.Base.MariaDB); !p.Base.Includes(start) {
		return 0, 0, fmt.Errorf("%w: the archive resumes at %s (segment %d), after the backup's position %s",
			ErrGap, c.Segments[first].StartSet, c.Segments[first].Seq, p.Base)
	}
	last, err = p.lastNeeded(c, first)
	return first, last, err
}

func (p Plan) reachedByBase(c Chain) (int, int, error) {
	if p.Point.Latest || (p.target.Empty() && !p.Point.Time.IsZero()) || p.Base.Includes(p.target) {
		return -1, -1, nil
	}
	return 0, 0, fmt.Errorf("%w: the archive ends at %s without %s", ErrGap,
		c.Segments[len(c.Segments)-1].EndSet, p.Point.GTIDs)
}

func (p Plan) lastNeeded(c Chain, first int) (int, error) {
	n := len(c.Segments) - 1
	switch {
	case p.Point.Latest:
		return n, nil
	case p.Point.GTIDs != "":
		for i := first; i <= n; i++ {
			if end, _ := binlog.ParseSet(c.Segments[i].EndSet, p.Base.MariaDB); end.Includes(p.target) {
				return i, nil
			}
		}
		return 0, fmt.Errorf("%w: the archive ends at %s without %s", ErrGap, c.Segments[n].EndSet, p.Point.GTIDs)
	}
	if latest := c.Segments[n].LastTime; latest.Before(p.Point.Time.Add(-time.Second)) {
		return 0, fmt.Errorf("%w: the archive's newest transaction is from %s, before %s", ErrGap,
			latest.Format(time.RFC3339), p.Point)
	}
	last := first
	for i := first; i <= n && c.Segments[i].FirstTime.Before(p.Point.Time); i++ {
		last = i
	}
	return last, nil
}

// gapWithin returns the first gap that breaks the run of segments from..to.
func (c Chain) gapWithin(from, to uint64) (Gap, bool) {
	for _, g := range c.Gaps {
		if (g.Reason == GapSegmentMissing && g.After+1 >= from && g.After+1 <= to) ||
			(g.Reason != GapSegmentMissing && g.Before > from && g.Before <= to) {
			return g, true
		}
	}
	return Gap{}, false
}
