package controllers

import (
	"fmt"
	"time"
	_ "time/tzdata" // IANA zones for timeZone even on an image without /usr/share/zoneinfo

	"github.com/robfig/cron/v3"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

// cronParser reads a schedule as a CronJob's: five fields or a descriptor. CRON_TZ= prefixes are refused by the
// CRD's pattern; the zone is spec's timeZone.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parsedSchedule is a schedule's cron expression read in its time zone.
type parsedSchedule struct {
	cron cron.Schedule
	loc  *time.Location
}

// parseSchedule reads a schedule's cron expression and zone; the reason says which one is wrong.
func parseSchedule(s v1.BackupSchedule) (parsedSchedule, v1.ConditionReason, error) {
	loc := time.UTC
	if s.TimeZone != "" {
		l, err := time.LoadLocation(s.TimeZone)
		if err != nil {
			return parsedSchedule{}, v1.ReasonInvalidTimeZone,
				fmt.Errorf("backup schedule %s: time zone %q: %w", s.Name, s.TimeZone, err)
		}
		loc = l
	}
	c, err := cronParser.Parse(s.Schedule)
	if err != nil {
		return parsedSchedule{}, v1.ReasonInvalidSchedule,
			fmt.Errorf("backup schedule %s: schedule %q: %w", s.Name, s.Schedule, err)
	}
	return parsedSchedule{cron: c, loc: loc}, "", nil
}

// next is the first scheduled time strictly after t.
func (p parsedSchedule) next(t time.Time) time.Time { return p.cron.Next(t.In(p.loc)).UTC() }

// dueInput is what deciding one schedule's next run needs, as plain data.
type dueInput struct {
	// Now is the time of the decision.
	Now time.Time
	// Last is the newest time the schedule ran for (a backup was created for it); zero when it never ran.
	Last time.Time
	// FirstDue is the first run's time, recorded when the schedule was first seen; zero when not yet seen.
	FirstDue time.Time
	// Busy is true while a backup of the schedule is still pending or running.
	Busy bool
}

// dueRun is the decision for one schedule.
type dueRun struct {
	// Run is the scheduled time to take a backup for now; zero for none.
	Run time.Time
	// Missed counts the scheduled times skipped before Run (runs the operator was not there for); at most one
	// backup is ever taken for all of them.
	Missed int
	// Next is when the schedule is due next: the reconciler looks again then.
	Next time.Time
	// Waiting is true when a run is due but the schedule's previous backup has not ended: it is taken late,
	// once that one ends, rather than piling up.
	Waiting bool
}

// maxCatchUpSteps bounds the walk over missed times (an @every 1m schedule after a week down).
const maxCatchUpSteps = 10000

// planDue decides whether the schedule takes a backup now: the latest scheduled time at or before now that comes
// after its last run, exactly once however many were missed.
func planDue(p parsedSchedule, in dueInput) dueRun {
	var due time.Time
	switch {
	case !in.Last.IsZero():
		due = p.next(in.Last)
	case !in.FirstDue.IsZero():
		due = in.FirstDue
	default: // never seen: the first run is the next scheduled time, nothing is missed
		return dueRun{Next: p.next(in.Now)}
	}
	if due.After(in.Now) {
		return dueRun{Next: due}
	}
	if in.Busy {
		return dueRun{Waiting: true}
	}
	run, missed := latestDue(p, due, in.Now)
	return dueRun{Run: run, Missed: missed, Next: p.next(run)}
}

// latestDue walks from due (at or before now) to the latest scheduled time at or before now, counting the times
// it passes.
func latestDue(p parsedSchedule, due, now time.Time) (time.Time, int) {
	t, missed := due, 0
	for range maxCatchUpSteps {
		n := p.next(t)
		if n.After(now) {
			return t, missed
		}
		t, missed = n, missed+1
	}
	// Too many to count one by one: jump to the last time before now, found by widening a window back from now.
	for w := time.Minute; ; w *= 2 {
		if n := p.next(now.Add(-w)); !n.After(now) {
			for m := p.next(n); !m.After(now); m = p.next(n) {
				n = m
			}
			return n, missed + int(n.Sub(t)/max(p.next(n).Sub(n), time.Second))
		}
	}
}
