package backup

import (
	"math"
	"strconv"
)

// maxRangesPerTable bounds the scans of one table.
const maxRangesPerTable = 4096

// signBit maps a signed key to its ordinal (uint64(v) ^ signBit), which sorts as the signed values do.
const signBit = 1 << 63

// keyRange is a half-open range of the first primary key column; an unbounded side has has* false. Bounds are
// ordinals: the value itself for an unsigned key, the value with its sign bit flipped for a signed one, so that
// one uint64 arithmetic splits BIGINT and BIGINT UNSIGNED alike.
type keyRange struct {
	lo, hi       uint64
	hasLo, hasHi bool
	unsigned     bool
}

// signedOrdinal is a signed key's ordinal.
func signedOrdinal(v int64) uint64 { return uint64(v) ^ signBit }

// value renders an ordinal as the key's SQL literal.
func (r keyRange) value(o uint64) string {
	if r.unsigned {
		return strconv.FormatUint(o, 10)
	}
	return strconv.FormatInt(int64(o^signBit), 10)
}

// where renders the range as a condition on col, "" for the whole table. The bounds are written into the text
// (they are integers): with placeholders the driver would use a prepared statement, whose binary protocol the
// driver prints differently (FLOAT, temporal types) from the text protocol Verify reads with.
func (r keyRange) where(col string) string {
	c := quoteIdent(col)
	switch {
	case r.hasLo && r.hasHi:
		return " WHERE " + c + " >= " + r.value(r.lo) + " AND " + c + " < " + r.value(r.hi)
	case r.hasLo:
		return " WHERE " + c + " >= " + r.value(r.lo)
	case r.hasHi:
		return " WHERE " + c + " < " + r.value(r.hi)
	}
	return ""
}

// splitRange cuts [lo, hi] (the key's bounds in the snapshot, as ordinals) into ranges of about target bytes
// each, from the table's estimated rows and average row length. The first range is unbounded below and the last
// above, so together they cover every value whatever the estimates say.
func splitRange(lo, hi uint64, unsigned bool, estRows, avgRow, target int64) []keyRange {
	n := int64(1)
	if target > 0 && estRows > 0 {
		n = (estRows*max(avgRow, 1) + target - 1) / target
	}
	span := hi - lo
	if hi < lo {
		span = 0
	}
	n = min(n, maxRangesPerTable)
	if span < math.MaxUint64 && uint64(n) > span+1 {
		n = int64(span + 1)
	}
	if n <= 1 {
		return []keyRange{{unsigned: unsigned}}
	}
	step := span/uint64(n) + 1
	out := make([]keyRange, 0, n)
	cur := lo
	for i := int64(0); i < n; i++ {
		r := keyRange{lo: cur, hasLo: i > 0, unsigned: unsigned}
		if i == n-1 || hi-cur < step {
			out = append(out, r)
			break
		}
		cur += step
		r.hi, r.hasHi = cur, true
		out = append(out, r)
	}
	return out
}
