package topology

import (
	"math"
	"testing"
)

// FuzzParseGTIDSet checks that anything the parser accepts formats to a canonical text that parses
// back to the same set, and that the canonical text is a fixed point.
func FuzzParseGTIDSet(f *testing.F) {
	for _, s := range []string{"", uA + ":1-5:7", uA + ":1-5," + uB + ":3", uA + ":1:t:2-9", "x:1", uA + ":0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseGTIDSet(text)
		if err != nil {
			return
		}
		canon := s.String()
		again, err := ParseGTIDSet(canon)
		if err != nil {
			t.Fatalf("canonical text %q of %q does not parse: %v", canon, text, err)
		}
		if !again.Equal(s) || again.String() != canon {
			t.Fatalf("round trip changed the set: %q -> %q -> %q", text, canon, again.String())
		}
		if s.IsEmpty() != (s.Count() == 0) {
			t.Fatalf("IsEmpty and Count disagree for %q", canon)
		}
	})
}

// FuzzGTIDSetAlgebra checks set identities on any two parseable sets.
func FuzzGTIDSetAlgebra(f *testing.F) {
	f.Add(uA+":1-10", uA+":4-6")
	f.Add(uA+":1-5:t:1", uB+":1,"+uA+":3-9")
	f.Add("", uA+":1")
	f.Fuzz(func(t *testing.T, ta, tb string) {
		a, errA := ParseGTIDSet(ta)
		b, errB := ParseGTIDSet(tb)
		if errA != nil || errB != nil {
			return
		}
		aText, bText := a.String(), b.String()
		u, d, i := a.Union(b), a.Subtract(b), a.Intersect(b)
		checkAlgebra(t, a, b, u, d, i)
		if a.String() != aText || b.String() != bText {
			t.Fatalf("operands mutated")
		}
	})
}

func checkAlgebra(t *testing.T, a, b, u, d, i GTIDSet) {
	t.Helper()
	if !a.SubsetOf(u) || !b.SubsetOf(u) {
		t.Fatalf("%s or %s not in union %s", a, b, u)
	}
	if !d.Intersect(b).IsEmpty() || !d.SubsetOf(a) {
		t.Fatalf("difference %s overlaps %s or leaves %s", d, b, a)
	}
	if !d.Union(i).Equal(a) {
		t.Fatalf("(a-b)+(a&b) = %s, want %s", d.Union(i), a)
	}
	if !i.Equal(b.Intersect(a)) || !u.Equal(b.Union(a)) {
		t.Fatalf("union or intersection not commutative for %s, %s", a, b)
	}
	if a.SubsetOf(b) != d.IsEmpty() {
		t.Fatalf("SubsetOf disagrees with Subtract for %s, %s", a, b)
	}
	ca, cb, ci, cu := a.Count(), b.Count(), i.Count(), u.Count()
	if ca < math.MaxInt64/4 && cb < math.MaxInt64/4 && cu != ca+cb-ci {
		t.Fatalf("|a|+|b|-|a&b| = %d, |a|b| = %d", ca+cb-ci, cu)
	}
}
