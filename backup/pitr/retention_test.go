package pitr

import (
	"slices"
	"testing"
)

func TestExpireKeepsWhatARetainedBackupNeeds(t *testing.T) {
	s1, s2, s3, s4 := seg(1, "", "0-1-5"), seg(2, "0-1-5", "0-1-9"), seg(3, "0-1-9", "0-1-12"), seg(4, "0-1-12",
		"0-1-20")
	all := []Segment{s1, s2, s3, s4}
	for _, tc := range []struct {
		name    string
		segs    []Segment
		present map[string]bool
		backups []string
		want    []uint64
		orphans []string
	}{
		{"no backup: keep everything", all, present(all...), nil, nil, nil},
		{"backup at 0-1-9: segments 1 and 2 are in it", all, present(all...), []string{"0-1-9"}, []uint64{1, 2}, nil},
		{"backup inside segment 3: it needs 3", all, present(all...), []string{"0-1-10"}, []uint64{1, 2}, nil},
		{"the oldest backup counts", all, present(all...), []string{"0-1-12", "0-1-5"}, []uint64{1}, nil},
		{"backup before the archive", all, present(all...), []string{"0-1-3"}, nil, nil},
		{"never the newest segment", all, present(all...), []string{"0-1-99"}, []uint64{1, 2, 3}, nil},
		{"another domain's backup", all, present(all...), []string{"1-7-100"}, nil, nil},
		{"orphan segments before the chain", all[2:], present(all...), []string{"0-1-9"}, nil,
			[]string{SegmentKey(1), SegmentKey(2)}},
	} {
		e, err := Expire(tc.segs, tc.present, tc.backups)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var wantIdx, wantSeg []string
		for _, s := range tc.want {
			wantIdx, wantSeg = append(wantIdx, IndexKey(s)), append(wantSeg, SegmentKey(s))
		}
		wantSeg = append(wantSeg, tc.orphans...)
		slices.Sort(e.SegmentKeys)
		slices.Sort(wantSeg)
		if !slices.Equal(e.IndexKeys, wantIdx) || !slices.Equal(e.SegmentKeys, wantSeg) {
			t.Errorf("%s: expires %v / %v, want %v / %v", tc.name, e.IndexKeys, e.SegmentKeys, wantIdx, wantSeg)
		}
	}
	if _, err := Expire(all, present(all...), []string{"not a set"}); err == nil {
		t.Error("a backup's unreadable GTID set expired segments")
	}
}

// What expiry leaves is a chain without a gap: every retained backup still plans its replay to the end.
func TestExpiredChainStillRestoresEveryRetainedBackup(t *testing.T) {
	s1, s2, s3, s4 := seg(1, "", "0-1-5"), seg(2, "0-1-5", "0-1-9"), seg(3, "0-1-9", "0-1-12"), seg(4, "0-1-12",
		"0-1-20")
	all := []Segment{s1, s2, s3, s4}
	backups := []string{"0-1-10", "0-1-7", "0-1-15"}
	e, err := Expire(all, present(all...), backups)
	if err != nil {
		t.Fatal(err)
	}
	left := all[e.Through:]
	c := Analyze(left, present(left...))
	for _, b := range backups {
		if _, err := PlanReplay(c, b, Point{Latest: true}); err != nil {
			t.Errorf("backup at %s after expiry through %d: %v", b, e.Through, err)
		}
	}
}
