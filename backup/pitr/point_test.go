package pitr

import (
	"errors"
	"testing"
	"time"
)

func TestParsePoint(t *testing.T) {
	for in, want := range map[string]Point{
		"latest":                    {Latest: true},
		"":                          {Latest: true},
		"2026-12-01T10:00:03Z":      {Time: time.Date(2026, 12, 1, 10, 0, 3, 0, time.UTC)},
		"2026-12-01T11:00:03+01:00": {Time: time.Date(2026, 12, 1, 10, 0, 3, 0, time.UTC)},
		"0-1-40":                    {GTIDs: "0-1-40"},
		"3e11fa47-71ca-11e1-9e33-c80aa9429562:1-7": {GTIDs: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-7"},
	} {
		got, err := ParsePoint(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"yesterday", "2026-12-01T25:00:00Z", "0-1"} {
		if _, err := ParsePoint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPlanReplay(t *testing.T) {
	s1, s2, s3 := seg(1, "", "0-1-5"), seg(2, "0-1-5", "0-1-9"), seg(3, "0-1-9", "0-1-12")
	whole := Analyze([]Segment{s1, s2, s3}, present(s1, s2, s3))
	for _, tc := range []struct {
		name  string
		chain Chain
		base  string
		point Point
		want  []uint64
		gap   bool
	}{
		{"latest from the middle", whole, "0-1-7", Point{Latest: true}, []uint64{2, 3}, false},
		{"backup newer than the archive", whole, "0-1-12", Point{Latest: true}, nil, false},
		{"to a GTID", whole, "0-1-3", Point{GTIDs: "0-1-8"}, []uint64{1, 2}, false},
		{"to a GTID never archived", whole, "0-1-3", Point{GTIDs: "0-1-20"}, nil, true},
		{"to a time", whole, "0-1-3", Point{Time: s2.FirstTime.Add(500 * time.Millisecond)}, []uint64{1, 2}, false},
		{"to a time after the archive", whole, "0-1-3", Point{Time: s3.LastTime.Add(time.Hour)}, nil, true},
		{"archive starts after the backup", Analyze([]Segment{s2, s3}, present(s2, s3)), "0-1-3",
			Point{Latest: true}, nil, true},
		{"deleted segment in the way", Analyze([]Segment{s1, s2, s3}, present(s1, s3)), "0-1-3",
			Point{Latest: true}, nil, true},
		{"deleted segment before the backup", Analyze([]Segment{s1, s2, s3}, present(s2, s3)), "0-1-6",
			Point{Latest: true}, []uint64{2, 3}, false},
	} {
		plan, err := PlanReplay(tc.chain, tc.base, tc.point)
		if tc.gap != errors.Is(err, ErrGap) || (!tc.gap && err != nil) {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var got []uint64
		for _, s := range plan.Segments {
			got = append(got, s.Seq)
		}
		if !tc.gap && len(got) != len(tc.want) {
			t.Errorf("%s: segments %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: segments %v, want %v", tc.name, got, tc.want)
			}
		}
	}
}
