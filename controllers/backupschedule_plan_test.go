package controllers

import (
	"strings"
	"testing"
	"time"

	v1 "github.com/orca-operator/orca/api/v1alpha1"
)

func mustSchedule(t *testing.T, cron, zone string) parsedSchedule {
	t.Helper()
	p, _, err := parseSchedule(v1.BackupSchedule{Name: "s", Schedule: cron, TimeZone: zone})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseScheduleRefusesBadCronAndZone(t *testing.T) {
	for _, c := range []struct {
		cron, zone string
		reason     v1.ConditionReason
	}{
		{"61 * * * *", "", v1.ReasonInvalidSchedule},
		{"* * * *", "", v1.ReasonInvalidSchedule},
		{"@fortnightly", "", v1.ReasonInvalidSchedule},
		{"0 2 * * *", "Mars/Olympus_Mons", v1.ReasonInvalidTimeZone},
	} {
		_, reason, err := parseSchedule(v1.BackupSchedule{Name: "nightly", Schedule: c.cron, TimeZone: c.zone})
		if err == nil || reason != c.reason || !strings.Contains(err.Error(), "nightly") {
			t.Errorf("%q in %q: reason %q, error %v; want %s naming the schedule", c.cron, c.zone, reason, err, c.reason)
		}
	}
	for _, ok := range []string{"0 2 * * *", "*/15 * * * 1-5", "@daily", "@every 90m", "0 0 1 JAN *"} {
		if _, _, err := parseSchedule(v1.BackupSchedule{Schedule: ok, TimeZone: "Europe/Paris"}); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
}

func TestPlanDue(t *testing.T) {
	daily := mustSchedule(t, "0 2 * * *", "")
	for _, c := range []struct {
		name string
		in   dueInput
		want dueRun
	}{
		{"never seen: first run is the next time, nothing missed",
			dueInput{Now: at("2026-12-01T13:00:00Z")}, dueRun{Next: at("2026-12-02T02:00:00Z")}},
		{"first run not yet due",
			dueInput{Now: at("2026-12-01T13:00:00Z"), FirstDue: at("2026-12-02T02:00:00Z")},
			dueRun{Next: at("2026-12-02T02:00:00Z")}},
		{"first run due",
			dueInput{Now: at("2026-12-02T02:00:05Z"), FirstDue: at("2026-12-02T02:00:00Z")},
			dueRun{Run: at("2026-12-02T02:00:00Z"), Next: at("2026-12-03T02:00:00Z")}},
		{"ran last night, not due",
			dueInput{Now: at("2026-12-02T13:00:00Z"), Last: at("2026-12-02T02:00:00Z")},
			dueRun{Next: at("2026-12-03T02:00:00Z")}},
		{"down three days: one run for the latest time, two missed",
			dueInput{Now: at("2026-12-05T09:00:00Z"), Last: at("2026-12-02T02:00:00Z")},
			dueRun{Run: at("2026-12-05T02:00:00Z"), Missed: 2, Next: at("2026-12-06T02:00:00Z")}},
		{"due while the previous backup runs: waits",
			dueInput{Now: at("2026-12-03T02:00:01Z"), Last: at("2026-12-02T02:00:00Z"), Busy: true},
			dueRun{Waiting: true}},
	} {
		if got := planDue(daily, c.in); !got.Run.Equal(c.want.Run) || got.Missed != c.want.Missed ||
			!got.Next.Equal(c.want.Next) || got.Waiting != c.want.Waiting {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestPlanDueInTimeZone(t *testing.T) {
	paris := mustSchedule(t, "0 2 * * *", "Europe/Paris")
	got := planDue(paris, dueInput{Now: at("2026-12-01T13:00:00Z")})
	if want := at("2026-12-02T01:00:00Z"); !got.Next.Equal(want) { // CET is UTC+1 in December
		t.Errorf("next 02:00 in Paris = %s, want %s", got.Next, want)
	}
	summer := planDue(paris, dueInput{Now: at("2026-07-01T13:00:00Z")})
	if want := at("2026-07-02T00:00:00Z"); !summer.Next.Equal(want) {
		t.Errorf("next 02:00 in Paris in July = %s, want %s", summer.Next, want)
	}
}

func TestPlanDueAfterLongDowntimeStaysOneRun(t *testing.T) {
	minutely := mustSchedule(t, "* * * * *", "")
	got := planDue(minutely, dueInput{Now: at("2026-12-31T00:00:30Z"), Last: at("2026-12-01T00:00:00Z")})
	if !got.Run.Equal(at("2026-12-31T00:00:00Z")) || !got.Next.Equal(at("2026-12-31T00:01:00Z")) {
		t.Fatalf("after 30 days down: %+v; want one run at the latest minute", got)
	}
	if want := 30*24*60 - 1; got.Missed < want-1 || got.Missed > want+1 {
		t.Errorf("missed %d runs, want about %d", got.Missed, want)
	}
}

func TestScheduledBackupName(t *testing.T) {
	when := at("2026-12-02T02:00:00Z")
	if got := scheduledBackupName("db", "nightly", when); got != "db-nightly-202612020200" {
		t.Errorf("name %q", got)
	}
	long := scheduledBackupName(strings.Repeat("c", 52), strings.Repeat("s", 40), when)
	other := scheduledBackupName(strings.Repeat("c", 52), strings.Repeat("s", 39)+"t", when)
	if len(long) > 56 || long == other || !strings.HasSuffix(long, "-202612020200") {
		t.Errorf("long names %q and %q: want distinct, at most 56 characters", long, other)
	}
}
