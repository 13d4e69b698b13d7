package topology

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ErrGTIDSyntax is wrapped by every GTID set parse error.
var ErrGTIDSyntax = errors.New("malformed GTID set")

// maxGNO is the largest transaction number MySQL assigns (GNO_END - 1 in the server source).
const maxGNO = math.MaxInt64 - 1

// sid names one GTID source: the server UUID plus an optional tag (MySQL 8.3+ tagged GTIDs,
// "uuid:tag:n"). Both parts are stored lower-case because MySQL compares them case-insensitively.
type sid struct {
	uuid string
	tag  string
}

// gnoRange is a closed range [lo, hi] of transaction numbers.
type gnoRange struct{ lo, hi int64 }

// GTIDSet is a MySQL GTID set: for each source UUID (and tag), sorted disjoint ranges of
// transaction numbers. The zero value is the empty set. Sets are values: no method mutates its
// receiver or argument, so sets can be shared freely.
type GTIDSet struct {
	m map[sid][]gnoRange
}

// ParseGTIDSet parses MySQL's text form, for example "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,
// 4e11fa47-71ca-11e1-9e33-c80aa9429562:1-3" or a tagged set "uuid:1-5:mytag:1-2". Whitespace and
// newlines around elements are ignored as MySQL ignores them; ranges may overlap or be unordered.
func ParseGTIDSet(text string) (GTIDSet, error) {
	var out GTIDSet
	if strings.TrimSpace(text) == "" {
		return out, nil
	}
	acc := map[sid][]gnoRange{}
	for elem := range strings.SplitSeq(text, ",") {
		if err := parseElement(strings.TrimSpace(elem), acc); err != nil {
			return GTIDSet{}, fmt.Errorf("parse GTID set %q: %w", abbreviate(text), err)
		}
	}
	out.m = make(map[sid][]gnoRange, len(acc))
	for k, rs := range acc {
		out.m[k] = normalize(rs)
	}
	return out, nil
}

// MustParseGTIDSet parses text and panics on error; for tests and constants.
func MustParseGTIDSet(text string) GTIDSet {
	s, err := ParseGTIDSet(text)
	if err != nil {
		panic(err)
	}
	return s
}

// parseElement parses "uuid(:tag|:range)+" into acc.
func parseElement(elem string, acc map[sid][]gnoRange) error {
	fields := strings.Split(elem, ":")
	uuid := strings.ToLower(strings.TrimSpace(fields[0]))
	if !validUUID(uuid) {
		return fmt.Errorf("%w: bad source UUID %q", ErrGTIDSyntax, abbreviate(fields[0]))
	}
	if len(fields) < 2 {
		return fmt.Errorf("%w: source %s has no transaction range", ErrGTIDSyntax, uuid)
	}
	cur := sid{uuid: uuid}
	pendingTag := false
	for _, f := range fields[1:] {
		f = strings.TrimSpace(f)
		if f != "" && !isDigit(f[0]) {
			tag := strings.ToLower(f)
			if !validTag(tag) {
				return fmt.Errorf("%w: bad tag %q", ErrGTIDSyntax, abbreviate(f))
			}
			if pendingTag {
				return fmt.Errorf("%w: tag %q has no transaction range", ErrGTIDSyntax, cur.tag)
			}
			cur, pendingTag = sid{uuid: uuid, tag: tag}, true
			continue
		}
		r, err := parseRange(f)
		if err != nil {
			return err
		}
		acc[cur] = append(acc[cur], r)
		pendingTag = false
	}
	if pendingTag {
		return fmt.Errorf("%w: tag %q has no transaction range", ErrGTIDSyntax, cur.tag)
	}
	return nil
}

func parseRange(f string) (gnoRange, error) {
	a, b, isRange := strings.Cut(f, "-")
	lo, err := parseGNO(a)
	if err != nil {
		return gnoRange{}, err
	}
	hi := lo
	if isRange {
		if hi, err = parseGNO(b); err != nil {
			return gnoRange{}, err
		}
	}
	if hi < lo {
		return gnoRange{}, fmt.Errorf("%w: range %q ends before it starts", ErrGTIDSyntax, abbreviate(f))
	}
	return gnoRange{lo, hi}, nil
}

func parseGNO(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" || !isDigit(s[0]) {
		return 0, fmt.Errorf("%w: transaction number %q is not a number", ErrGTIDSyntax, abbreviate(s))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > maxGNO {
		return 0, fmt.Errorf("%w: transaction number %q out of range 1..%d", ErrGTIDSyntax, abbreviate(s),
			int64(maxGNO))
	}
	return n, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validUUID accepts the canonical 8-4-4-4-12 hexadecimal form (already lower-cased).
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isDigit(c) && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}

// validTag follows the manual: up to 32 characters, a letter or underscore first, then letters,
// digits or underscores (already lower-cased).
func validTag(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		letter := (c >= 'a' && c <= 'z') || c == '_'
		if !letter && (i == 0 || !isDigit(c)) {
			return false
		}
	}
	return true
}

// abbreviate keeps error texts short when a caller passes a huge or binary string.
func abbreviate(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// normalize sorts ranges and merges overlapping or adjacent ones. It returns a new slice.
func normalize(rs []gnoRange) []gnoRange {
	if len(rs) == 0 {
		return nil
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b gnoRange) int { return cmpInt(a.lo, b.lo) })
	out := []gnoRange{sorted[0]}
	for _, r := range sorted[1:] {
		last := &out[len(out)-1]
		if r.lo <= last.hi || r.lo-1 == last.hi {
			last.hi = max(last.hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// sortedSIDs returns the set's sources ordered as MySQL prints them: by UUID, untagged first,
// then by tag.
func (s GTIDSet) sortedSIDs() []sid {
	keys := make([]sid, 0, len(s.m))
	for k := range s.m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b sid) int {
		if c := strings.Compare(a.uuid, b.uuid); c != 0 {
			return c
		}
		return strings.Compare(a.tag, b.tag)
	})
	return keys
}

// String formats the set in MySQL's canonical order, sources joined by "," (MySQL adds a newline
// after each comma; both forms parse to the same set).
func (s GTIDSet) String() string {
	var b strings.Builder
	lastUUID := ""
	for _, k := range s.sortedSIDs() {
		if k.uuid != lastUUID {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k.uuid)
			lastUUID = k.uuid
		}
		if k.tag != "" {
			b.WriteByte(':')
			b.WriteString(k.tag)
		}
		for _, r := range s.m[k] {
			b.WriteByte(':')
			b.WriteString(strconv.FormatInt(r.lo, 10))
			if r.hi != r.lo {
				b.WriteByte('-')
				b.WriteString(strconv.FormatInt(r.hi, 10))
			}
		}
	}
	return b.String()
}

// Ranges calls fn for each closed range [lo, hi] of the set, in String's order (tag "" is untagged).
func (s GTIDSet) Ranges(fn func(uuid, tag string, lo, hi int64)) {
	for _, k := range s.sortedSIDs() {
		for _, r := range s.m[k] {
			fn(k.uuid, k.tag, r.lo, r.hi)
		}
	}
}

// OnlyFrom reports whether every transaction of the set comes from the source UUID (any tag). The
// empty set qualifies.
func (s GTIDSet) OnlyFrom(uuid string) bool {
	for k := range s.m {
		if !strings.EqualFold(k.uuid, uuid) {
			return false
		}
	}
	return true
}

// IsEmpty reports whether the set holds no transaction.
func (s GTIDSet) IsEmpty() bool { return len(s.m) == 0 }

// Count is the number of transactions in the set, saturating at math.MaxInt64.
func (s GTIDSet) Count() int64 {
	var n int64
	for _, rs := range s.m {
		for _, r := range rs {
			size := r.hi - r.lo + 1
			if n > math.MaxInt64-size {
				return math.MaxInt64
			}
			n += size
		}
	}
	return n
}

// Contains reports whether the untagged transaction uuid:gno is in the set.
func (s GTIDSet) Contains(uuid string, gno int64) bool {
	return s.ContainsTagged(uuid, "", gno)
}

// ContainsTagged reports whether uuid:tag:gno is in the set; an empty tag means untagged.
func (s GTIDSet) ContainsTagged(uuid, tag string, gno int64) bool {
	rs := s.m[sid{uuid: strings.ToLower(uuid), tag: strings.ToLower(tag)}]
	i, _ := slices.BinarySearchFunc(rs, gno, func(r gnoRange, g int64) int {
		if r.hi < g {
			return -1
		}
		if r.lo > g {
			return 1
		}
		return 0
	})
	return i < len(rs) && rs[i].lo <= gno && gno <= rs[i].hi
}

// Union returns s ∪ o.
func (s GTIDSet) Union(o GTIDSet) GTIDSet {
	out := GTIDSet{m: make(map[sid][]gnoRange, len(s.m)+len(o.m))}
	for k, rs := range s.m {
		out.m[k] = rs
	}
	for k, rs := range o.m {
		out.m[k] = normalize(append(slices.Clone(out.m[k]), rs...))
	}
	return out.compact()
}

// Subtract returns s \ o, as MySQL's GTID_SUBTRACT(s, o).
func (s GTIDSet) Subtract(o GTIDSet) GTIDSet {
	out := GTIDSet{m: make(map[sid][]gnoRange, len(s.m))}
	for k, rs := range s.m {
		out.m[k] = subtractRanges(rs, o.m[k])
	}
	return out.compact()
}

// Intersect returns s ∩ o.
func (s GTIDSet) Intersect(o GTIDSet) GTIDSet {
	out := GTIDSet{m: make(map[sid][]gnoRange, len(s.m))}
	for k, rs := range s.m {
		out.m[k] = intersectRanges(rs, o.m[k])
	}
	return out.compact()
}

// SubsetOf reports whether every transaction of s is in o, as MySQL's GTID_SUBSET(s, o).
func (s GTIDSet) SubsetOf(o GTIDSet) bool { return s.Subtract(o).IsEmpty() }

// Equal reports whether both sets hold the same transactions.
func (s GTIDSet) Equal(o GTIDSet) bool { return s.SubsetOf(o) && o.SubsetOf(s) }

// compact drops sources left without ranges so that IsEmpty and String stay exact.
func (s GTIDSet) compact() GTIDSet {
	for k, rs := range s.m {
		if len(rs) == 0 {
			delete(s.m, k)
		}
	}
	if len(s.m) == 0 {
		return GTIDSet{}
	}
	return s
}

// subtractRanges returns a \ b; both are normalized, the result is a new slice.
func subtractRanges(a, b []gnoRange) []gnoRange {
	var out []gnoRange
	j := 0
	for _, r := range a {
		lo := r.lo
		for j < len(b) && b[j].hi < lo {
			j++
		}
		k := j
		for ; k < len(b) && b[k].lo <= r.hi; k++ {
			if b[k].lo > lo {
				out = append(out, gnoRange{lo, b[k].lo - 1})
			}
			if b[k].hi >= r.hi {
				lo = r.hi + 1
				break
			}
			lo = b[k].hi + 1
		}
		if lo <= r.hi {
			out = append(out, gnoRange{lo, r.hi})
		}
	}
	return out
}

// intersectRanges returns a ∩ b; both are normalized, the result is a new slice.
func intersectRanges(a, b []gnoRange) []gnoRange {
	var out []gnoRange
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := max(a[i].lo, b[j].lo), min(a[i].hi, b[j].hi)
		if lo <= hi {
			out = append(out, gnoRange{lo, hi})
		}
		if a[i].hi < b[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}
