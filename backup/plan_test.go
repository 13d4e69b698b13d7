package backup

import (
	"math"
	"testing"
)

// checkCover checks that the ranges, in order, cover every ordinal exactly once around lo..hi.
func checkCover(t *testing.T, rs []keyRange, lo, hi uint64) {
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
		name              string
		lo, hi            uint64
		rows, avg, target int64
		wantRanges        int
	}{
		{"small table is one scan", s(1), s(1000), 1000, 100, 1 << 20, 1},
		{"ten ranges", s(1), s(1_000_000), 1_000_000, 100, 10_000_000, 10},
		{"no more ranges than keys", s(5), s(7), 1_000_000, 100, 1, 3},
		{"one key", s(42), s(42), 1_000_000, 100, 1, 1},
		{"capped", s(0), s(math.MaxInt64), 1 << 40, 1000, 1, maxRangesPerTable},
		{"whole int64 span", s(math.MinInt64), s(math.MaxInt64), 100, 100, 1000, 10},
		{"stale statistics", s(1), s(1_000_000), 0, 0, 1000, 1},
		{"whole uint64 span", 0, math.MaxUint64, 100, 100, 1000, 10},
		{"unsigned keys above 2^63", 1 << 63, math.MaxUint64 - 1, 100, 100, 1000, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := splitRange(c.lo, c.hi, false, c.rows, c.avg, c.target)
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
	r := keyRange{lo: s(-1), hi: s(9), hasLo: true, hasHi: true}
	if w := r.where("i`d"); w != " WHERE `i``d` >= -1 AND `i``d` < 9" {
		t.Fatalf("%q", w)
	}
	u := keyRange{lo: 1 << 63, hi: math.MaxUint64, hasLo: true, hasHi: true, unsigned: true}
	if w := u.where("id"); w != " WHERE `id` >= 9223372036854775808 AND `id` < 18446744073709551615" {
		t.Fatalf("unsigned: %q", w)
	}
	if w := (keyRange{hi: s(math.MinInt64 + 1), hasHi: true}).where("id"); w != " WHERE `id` < -9223372036854775807" {
		t.Fatalf("signed minimum: %q", w)
	}
}

// TestSplitUnsignedKeysAboveSignedRange: an unsigned key spread over [0, 2^64) is cut into ranges whose
// bounds print above 2^63, in order.
func TestSplitUnsignedKeysAboveSignedRange(t *testing.T) {
	rs := splitRange(0, math.MaxUint64, true, 1000, 100, 10_000)
	if len(rs) != 10 {
		t.Fatalf("%d ranges", len(rs))
	}
	last := rs[len(rs)-1].where("k")
	if last != " WHERE `k` >= 16602069666338596458" {
		t.Fatalf("last range %q", last)
	}
}

func s(v int64) uint64 { return signedOrdinal(v) }
