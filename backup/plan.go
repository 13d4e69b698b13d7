package backup

import (
	"fmt"
	"math"
)

// maxRangesPerTable bounds the scans of one table.
const maxRangesPerTable = 4096

// keyRange is a half-open range of the first primary key column; an unbounded side has has* false.
type keyRange struct {
	lo, hi       int64
	hasLo, hasHi bool
}

// where renders the range as a condition on col, "" for the whole table. The bounds are written into the text
// (they are integers): with placeholders the driver would use a prepared statement, whose binary protocol the
// driver prints differently (FLOAT, temporal types) from the text protocol Verify reads with.
func (r keyRange) where(col string) string {
	c := quoteIdent(col)
	switch {
	case r.hasLo && r.hasHi:
		return fmt.Sprintf(" WHERE %s >= %d AND %s < %d", c, r.lo, c, r.hi)
	case r.hasLo:
		return fmt.Sprintf(" WHERE %s >= %d", c, r.lo)
	case r.hasHi:
		return fmt.Sprintf(" WHERE %s < %d", c, r.hi)
	}
	return ""
}

// splitRange cuts [lo, hi] (the key's bounds in the snapshot) into ranges of about target bytes each, from the
// table's estimated rows and average row length. The first range is unbounded below and the last above, so
// together they cover every value whatever the estimates say.
func splitRange(lo, hi, estRows, avgRow, target int64) []keyRange {
	n := int64(1)
	if target > 0 && estRows > 0 {
		n = (estRows*max(avgRow, 1) + target - 1) / target
	}
	span := uint64(hi) - uint64(lo) // hi >= lo: the distance fits in uint64
	if hi < lo {
		span = 0
	}
	n = min(n, maxRangesPerTable)
	if span < math.MaxUint64 && uint64(n) > span+1 {
		n = int64(span + 1)
	}
	if n <= 1 {
		return []keyRange{{}}
	}
	step := span/uint64(n) + 1
	out := make([]keyRange, 0, n)
	cur := lo
	for i := int64(0); i < n; i++ {
		r := keyRange{lo: cur, hasLo: i > 0}
		if i == n-1 || uint64(hi)-uint64(cur) < step {
			out = append(out, r)
			break
		}
		cur = int64(uint64(cur) + step)
		r.hi, r.hasHi = cur, true
		out = append(out, r)
	}
	return out
}
