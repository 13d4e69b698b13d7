package mysqlsim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// interval is a closed range of transaction numbers [Start, End].
type interval struct{ Start, End int64 }

// GTIDSet is a MySQL GTID set: per source UUID, sorted disjoint intervals of transaction numbers.
// The zero value is the empty set. Methods never mutate their arguments.
type GTIDSet struct {
	m map[string][]interval
}

// ParseGTIDSet parses MySQL's text form "uuid:1-5:7,uuid2:1". Whitespace and newlines around the
// elements are ignored, as MySQL does. Tagged GTIDs (uuid:tag:n, MySQL 8.3+) are not supported.
func ParseGTIDSet(s string) (GTIDSet, error) {
	set, err := parseGTIDSet(s)
	if err != nil { // never turn a nil *Error into a non-nil error
		return GTIDSet{}, err
	}
	return set, nil
}

// parseGTIDSet is ParseGTIDSet with the concrete error type the SQL layer returns to clients.
func parseGTIDSet(s string) (GTIDSet, *Error) {
	var set GTIDSet
	s = strings.TrimSpace(s)
	if s == "" {
		return set, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		fields := strings.Split(part, ":")
		uuid := strings.ToLower(strings.TrimSpace(fields[0]))
		if !validUUID(uuid) || len(fields) < 2 {
			return GTIDSet{}, errGTIDSetMalformed(s)
		}
		for _, rng := range fields[1:] {
			iv, ok := parseInterval(strings.TrimSpace(rng))
			if !ok {
				return GTIDSet{}, errGTIDSetMalformed(s)
			}
			set = set.addInterval(uuid, iv)
		}
	}
	return set, nil
}

// MustGTIDSet parses s and panics on error; for tests and constants.
func MustGTIDSet(s string) GTIDSet {
	set, err := ParseGTIDSet(s)
	if err != nil {
		panic(err)
	}
	return set
}

func parseInterval(s string) (interval, bool) {
	a, b, isRange := strings.Cut(s, "-")
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 1 {
		return interval{}, false
	}
	end := start
	if isRange {
		end, err = strconv.ParseInt(b, 10, 64)
		if err != nil || end < start {
			return interval{}, false
		}
	}
	return interval{start, end}, true
}

func (s GTIDSet) clone() GTIDSet {
	out := GTIDSet{m: make(map[string][]interval, len(s.m))}
	for k, v := range s.m {
		out.m[k] = append([]interval(nil), v...)
	}
	return out
}

func (s GTIDSet) addInterval(uuid string, iv interval) GTIDSet {
	out := s.clone()
	ivs := append(out.m[uuid], iv)
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].Start < ivs[j].Start })
	merged := ivs[:0:0]
	for _, x := range ivs {
		if n := len(merged); n > 0 && x.Start <= merged[n-1].End+1 {
			if x.End > merged[n-1].End {
				merged[n-1].End = x.End
			}
			continue
		}
		merged = append(merged, x)
	}
	out.m[uuid] = merged
	return out
}

// Add returns the set with the single transaction uuid:n added.
func (s GTIDSet) Add(uuid string, n int64) GTIDSet {
	return s.addInterval(strings.ToLower(uuid), interval{n, n})
}

// Union returns s ∪ o.
func (s GTIDSet) Union(o GTIDSet) GTIDSet {
	out := s.clone()
	for uuid, ivs := range o.m {
		for _, iv := range ivs {
			out = out.addInterval(uuid, iv)
		}
	}
	return out
}

// Subtract returns s \ o (MySQL's GTID_SUBTRACT).
func (s GTIDSet) Subtract(o GTIDSet) GTIDSet {
	out := GTIDSet{m: map[string][]interval{}}
	for uuid, ivs := range s.m {
		rest := ivs
		for _, cut := range o.m[uuid] {
			rest = subtractInterval(rest, cut)
		}
		if len(rest) > 0 {
			out.m[uuid] = rest
		}
	}
	return out
}

func subtractInterval(ivs []interval, cut interval) []interval {
	var out []interval
	for _, iv := range ivs {
		if cut.End < iv.Start || cut.Start > iv.End {
			out = append(out, iv)
			continue
		}
		if iv.Start < cut.Start {
			out = append(out, interval{iv.Start, cut.Start - 1})
		}
		if iv.End > cut.End {
			out = append(out, interval{cut.End + 1, iv.End})
		}
	}
	return out
}

// Intersect returns s ∩ o.
func (s GTIDSet) Intersect(o GTIDSet) GTIDSet { return s.Subtract(s.Subtract(o)) }

// SubsetOf reports whether every transaction of s is in o (MySQL's GTID_SUBSET(s, o)).
func (s GTIDSet) SubsetOf(o GTIDSet) bool { return s.Subtract(o).IsEmpty() }

// Equal reports whether both sets hold the same transactions.
func (s GTIDSet) Equal(o GTIDSet) bool { return s.SubsetOf(o) && o.SubsetOf(s) }

// IsEmpty reports whether the set holds no transaction.
func (s GTIDSet) IsEmpty() bool {
	for _, ivs := range s.m {
		if len(ivs) > 0 {
			return false
		}
	}
	return true
}

// Count is the number of transactions in the set.
func (s GTIDSet) Count() int64 {
	var n int64
	for _, ivs := range s.m {
		for _, iv := range ivs {
			n += iv.End - iv.Start + 1
		}
	}
	return n
}

// Contains reports whether uuid:n is in the set.
func (s GTIDSet) Contains(uuid string, n int64) bool {
	for _, iv := range s.m[strings.ToLower(uuid)] {
		if n >= iv.Start && n <= iv.End {
			return true
		}
	}
	return false
}

// NextFree returns the lowest transaction number of uuid that is not in the set, the number MySQL
// assigns to the next transaction when GTIDs are generated automatically.
func (s GTIDSet) NextFree(uuid string) int64 {
	ivs := s.m[strings.ToLower(uuid)]
	if len(ivs) == 0 || ivs[0].Start > 1 {
		return 1
	}
	return ivs[0].End + 1
}

// String formats the set as MySQL does: UUIDs sorted, intervals joined by ':' and sources by ",\n".
func (s GTIDSet) String() string {
	uuids := make([]string, 0, len(s.m))
	for u, ivs := range s.m {
		if len(ivs) > 0 {
			uuids = append(uuids, u)
		}
	}
	sort.Strings(uuids)
	parts := make([]string, 0, len(uuids))
	for _, u := range uuids {
		var b strings.Builder
		b.WriteString(u)
		for _, iv := range s.m[u] {
			if iv.Start == iv.End {
				fmt.Fprintf(&b, ":%d", iv.Start)
			} else {
				fmt.Fprintf(&b, ":%d-%d", iv.Start, iv.End)
			}
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, ",\n")
}

func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
