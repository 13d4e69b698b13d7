package pitr

import (
	"strings"
	"testing"
	"time"
)

func TestJudgeReportsGapsAndTheArchiversLiveness(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	s1, s2, s3 := seg(1, "", "0-1-5"), seg(2, "0-1-5", "0-1-9"), seg(3, "0-1-9", "0-1-12")
	s3.ArchivedAt = now.Add(-2 * time.Hour)
	whole := Analyze([]Segment{s1, s2, s3}, present(s1, s2, s3))
	beat := func(age time.Duration, following bool, since time.Duration) *Heartbeat {
		return &Heartbeat{At: now.Add(-age), Source: "db-0:3306", Following: following, Since: now.Add(-since),
			Error: "dial tcp: connection refused"}
	}
	secs := func(n int64) *Heartbeat {
		h := beat(time.Second, true, time.Hour)
		h.BinlogExpireSeconds = &n
		return h
	}
	for _, tc := range []struct {
		name    string
		chain   Chain
		hb      *Heartbeat
		healthy bool
		reason  HealthReason
		inMsg   string
	}{
		{"whole and alive", whole, beat(time.Second, true, time.Hour), true, HealthContinuous, "3 segments"},
		{"deleted segment", Analyze([]Segment{s1, s2, s3}, present(s1, s3)), beat(time.Second, true, time.Hour),
			false, HealthReason(GapSegmentMissing), "segment 2"},
		{"purged", Analyze([]Segment{s1, s2, seg(3, "0-1-20", "0-1-25")}, present(s1, s2, s3)), nil, false,
			HealthReason(GapNotArchived), "purged"},
		{"heartbeat too old", whole, beat(61*time.Minute, true, 2*time.Hour), false, HealthArchiverDown,
			"last reported"},
		{"no source for too long", whole, beat(time.Second, false, 90*time.Minute), false, HealthArchiverDown,
			"connection refused"},
		{"no source for a while", whole, beat(time.Second, false, time.Minute), true, HealthContinuous, ""},
		{"no heartbeat, old segment", whole, nil, false, HealthArchiverDown, "no heartbeat"},
		{"empty, alive", Chain{}, beat(time.Second, true, time.Minute), false, HealthArchiveEmpty, ""},
		{"empty, never ran", Chain{}, nil, false, HealthArchiveEmpty, ""},
		{"expiry shorter than the downtime", whole, secs(600), true, HealthExpiryTooShort, "600"},
		{"expiry longer", whole, secs(7200), true, HealthContinuous, ""},
		{"never expires", whole, secs(0), true, HealthContinuous, ""},
	} {
		h := Judge(tc.chain, tc.hb, now, time.Hour)
		if h.Healthy != tc.healthy || h.Reason != tc.reason || !strings.Contains(h.Message, tc.inMsg) {
			t.Errorf("%s: healthy %v reason %s (%s), want %v %s containing %q", tc.name, h.Healthy, h.Reason,
				h.Message, tc.healthy, tc.reason, tc.inMsg)
		}
	}
}

func TestJudgeReportsTheNewestRestorablePoint(t *testing.T) {
	s1, s2 := seg(1, "", "0-1-5"), seg(2, "0-1-5", "0-1-9")
	s2.ArchivedAt = time.Date(2026, 12, 1, 10, 0, 3, 0, time.UTC)
	h := Judge(Analyze([]Segment{s1, s2}, present(s1, s2)), nil, s2.ArchivedAt, time.Hour)
	if !h.Latest.Equal(s2.LastTime) || h.LatestSet != "0-1-9" || h.Since != 1 || h.Segments != 2 ||
		!h.LastArchivedAt.Equal(s2.ArchivedAt) {
		t.Errorf("health %+v", h)
	}
	h = Judge(Analyze([]Segment{s1, s2}, present(s1)), nil, s2.ArchivedAt, time.Hour)
	if !h.Latest.IsZero() || h.LatestSet != "" {
		t.Errorf("the last segment is missing, yet latest %s %q", h.Latest, h.LatestSet)
	}
}
