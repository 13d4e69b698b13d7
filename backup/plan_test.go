package backup

import (
	"math"
	"testing"
)

// covered reports whether the ranges, in order, cover every int64 exactly once around lo..hi.
func checkCover(t *testing.T, rs []keyRange, lo, hi int64) {
	t.Helper()
	if rs[0].hasLo || rs[len(rs)-1].hasHi {
		t.Fatalf("first range bounded below or last above: %+v", rs)
	}
	for i := 1; i < len(rs); i++ {
		if !rs[i].hasLo || !rs[i-1].hasHi || rs[i].lo != rs[i-1].hi || rs[i].lo <= rs[i-1].lo && i > 1 {
			t.Fatalf("ranges %d and %d do not meet: %+v", i-1, i, rs)
		}
	}
	for _, r := range rs[1:] {
		if r.lo < lo || r.lo > hi {
			t.Fatalf("range starts at %d outside [%d, %d]", r.lo, lo, hi)
		}
	}
}

func TestSplitRange(t *testing.T) {
	cases := []struct {
		name                      string
		lo, hi, rows, avg, target int64
		wantRanges                int
	}{
		{"small table is one scan", 1, 1000, 1000, 100, 1 << 20, 1},
		{"ten ranges", 1, 1_000_000, 1_000_000, 100, 10_000_000, 10},
		{"no more ranges than keys", 5, 7, 1_000_000, 100, 1, 3},
		{"one key", 42, 42, 1_000_000, 100, 1, 1},
		{"capped", 0, math.MaxInt64, 1 << 40, 1000, 1, maxRangesPerTable},
		{"whole int64 span", math.MinInt64, math.MaxInt64, 100, 100, 1000, 10},
		{"stale statistics", 1, 1_000_000, 0, 0, 1000, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := splitRange(c.lo, c.hi, c.rows, c.avg, c.target)
			if len(rs) != c.wantRanges {
				t.Fatalf("%d ranges, want %d", len(rs), c.wantRanges)
			}
			checkCover(t, rs, c.lo, c.hi)
		})
	}
}

func TestKeyRangeWhere(t *testing.T) {
	if w := (keyRange{}).where("id"); w != "" {
		t.Fatalf("whole table: %q", w)
	}
	if w := (keyRange{lo: -1, hi: 9, hasLo: true, hasHi: true}).where("i`d"); w != " WHERE `i``d` >= -1 AND `i``d` < 9" {
		t.Fatalf("%q", w)
	}
}
