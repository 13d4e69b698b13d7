package pitr

import (
	"testing"
	"time"
)

func seg(seq uint64, start, end string) Segment {
	at := time.Date(2026, 12, 1, 10, 0, int(seq), 0, time.UTC)
	return Segment{Seq: seq, Flavor: flavorMariaDB, StartSet: start, EndSet: end, FirstGTID: start, LastGTID: end,
		FirstTime: at, LastTime: at}
}

func present(segs ...Segment) map[string]bool {
	m := map[string]bool{}
	for _, s := range segs {
		m[SegmentKey(s.Seq)] = true
	}
	return m
}

func TestAnalyzeFindsEveryKindOfGap(t *testing.T) {
	s1, s2, s3 := seg(1, "", "0-1-5"), seg(2, "0-1-5", "0-1-9"), seg(3, "0-1-9", "0-1-12")
	for _, tc := range []struct {
		name    string
		segs    []Segment
		present map[string]bool
		want    []GapReason
		latest  bool
	}{
		{"whole", []Segment{s1, s2, s3}, present(s1, s2, s3), nil, true},
		{"deleted", []Segment{s1, s2, s3}, present(s1, s3), []GapReason{GapSegmentMissing}, true},
		{"deleted last", []Segment{s1, s2, s3}, present(s1, s2), []GapReason{GapSegmentMissing}, false},
		{"index hole", []Segment{s1, s3}, present(s1, s3), []GapReason{GapIndexMissing}, true},
		{"purged", []Segment{s1, s2, seg(3, "0-1-20", "0-1-25")}, present(s1, s2, seg(3, "", "")),
			[]GapReason{GapNotArchived}, true},
		{"server id changes, same position", []Segment{s1, seg(2, "0-2-5", "0-2-6")}, present(s1, seg(2, "", "")),
			nil, true},
	} {
		c := Analyze(tc.segs, tc.present)
		if len(c.Gaps) != len(tc.want) {
			t.Errorf("%s: gaps %v, want %v", tc.name, c.Gaps, tc.want)
			continue
		}
		for i, g := range c.Gaps {
			if g.Reason != tc.want[i] {
				t.Errorf("%s: gap %d is %s, want %s", tc.name, i, g.Reason, tc.want[i])
			}
		}
		if _, _, _, ok := c.Latest(); ok != tc.latest {
			t.Errorf("%s: latest restorable %v, want %v", tc.name, ok, tc.latest)
		}
	}
}
