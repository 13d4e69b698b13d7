package topology

import (
	"errors"
	"math"
	"testing"
)

const (
	uA = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	uB = "4e11fa47-71ca-11e1-9e33-c80aa9429562"
	uC = "5e11fa47-71ca-11e1-9e33-c80aa9429562"
)

func TestParseGTIDSetCanonicalForm(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"  \n ", ""},
		{uA + ":1-5", uA + ":1-5"},
		{uA + ":1-5:7", uA + ":1-5:7"},
		{uA + ":7:1-5", uA + ":1-5:7"},
		{uA + ":1-3:4-6", uA + ":1-6"},
		{uA + ":1-5:3-9:2", uA + ":1-9"},
		{uB + ":1," + uA + ":2", uA + ":2," + uB + ":1"},
		{"3E11FA47-71CA-11E1-9E33-C80AA9429562:1-2", uA + ":1-2"},
		{uA + ":1-5,\n" + uB + ":1-3", uA + ":1-5," + uB + ":1-3"},
		{" " + uA + " : 1 - 5 , " + uA + ":6", uA + ":1-6"},
		{uA + ":1-5," + uA + ":10", uA + ":1-5:10"},
		{uA + ":1-5:MyTag:1-2:4", uA + ":1-5:mytag:1-2:4"},
		{uA + ":t2:1:t1:3:5", uA + ":t1:3:5:t2:1"},
		{uA + ":_x:1," + uA + ":2", uA + ":2:_x:1"},
		{uA + ":9223372036854775806", uA + ":9223372036854775806"},
	}
	for _, c := range cases {
		s, err := ParseGTIDSet(c.in)
		if err != nil {
			t.Fatalf("ParseGTIDSet(%q): %v", c.in, err)
		}
		if got := s.String(); got != c.want {
			t.Errorf("ParseGTIDSet(%q).String() = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseGTIDSetRejectsMalformed(t *testing.T) {
	bad := []string{
		"x",
		uA,
		uA + ":",
		uA + ":0",
		uA + ":5-3",
		uA + ":1-",
		uA + ":-3",
		uA + ":1-2-3",
		uA + ":+1",
		uA + ":9223372036854775807",
		uA + ":99999999999999999999",
		uA + ":tag",
		uA + ":t1:t2:1",
		uA + ":1:9tag:1",
		uA + ":1:bad-tag:1",
		uA + ":1:" + "a234567890123456789012345678901234" + ":1",
		"3e11fa47-71ca-11e1-9e33-c80aa942956:1",
		"3e11fa47x71ca-11e1-9e33-c80aa9429562:1",
		"3e11fa47-71ca-11e1-9e33-c80aa942956g:1",
		uA + ":1,",
		"," + uA + ":1",
	}
	for _, in := range bad {
		if _, err := ParseGTIDSet(in); !errors.Is(err, ErrGTIDSyntax) {
			t.Errorf("ParseGTIDSet(%q) error = %v, want ErrGTIDSyntax", in, err)
		}
	}
}

func TestGTIDSetAlgebra(t *testing.T) {
	p := MustParseGTIDSet
	cases := []struct {
		name                 string
		a, b                 string
		union, sub, intersec string
		subset               bool
	}{
		{"empty", "", "", "", "", "", true},
		{"equal", uA + ":1-5", uA + ":1-5", uA + ":1-5", "", uA + ":1-5", true},
		{"behind", uA + ":1-3", uA + ":1-5", uA + ":1-5", "", uA + ":1-3", true},
		{"ahead", uA + ":1-7", uA + ":1-5", uA + ":1-7", uA + ":6-7", uA + ":1-5", false},
		{"hole in middle", uA + ":1-10", uA + ":4-6", uA + ":1-10", uA + ":1-3:7-10", uA + ":4-6", false},
		{"disjoint sources", uA + ":1-2", uB + ":1-2", uA + ":1-2," + uB + ":1-2", uA + ":1-2", "", false},
		{"errant other source", uA + ":1-5," + uC + ":1", uA + ":1-9", uA + ":1-9," + uC + ":1", uC + ":1", uA + ":1-5", false},
		{"tags are separate sources", uA + ":1-3:t:1", uA + ":1-3", uA + ":1-3:t:1", uA + ":t:1", uA + ":1-3", false},
		{"many pieces", uA + ":1:3:5:7", uA + ":2-6", uA + ":1-7", uA + ":1:7", uA + ":3:5", false},
		{"adjacent merge", uA + ":1-3", uA + ":4-6", uA + ":1-6", uA + ":1-3", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := p(c.a), p(c.b)
			if got := a.Union(b).String(); got != c.union {
				t.Errorf("union = %q, want %q", got, c.union)
			}
			if got := a.Subtract(b).String(); got != c.sub {
				t.Errorf("subtract = %q, want %q", got, c.sub)
			}
			if got := a.Intersect(b).String(); got != c.intersec {
				t.Errorf("intersect = %q, want %q", got, c.intersec)
			}
			if got := a.SubsetOf(b); got != c.subset {
				t.Errorf("subset = %v, want %v", got, c.subset)
			}
			if a.String() != p(c.a).String() || b.String() != p(c.b).String() {
				t.Errorf("operands were mutated: %q %q", a, b)
			}
		})
	}
}

func TestGTIDSetContainsAndCount(t *testing.T) {
	s := MustParseGTIDSet(uA + ":1-5:7:20-29:Tag:3," + uB + ":1")
	for _, n := range []int64{1, 3, 5, 7, 20, 25, 29} {
		if !s.Contains(uA, n) {
			t.Errorf("Contains(%d) = false", n)
		}
	}
	for _, n := range []int64{0, 6, 8, 19, 30, 1 << 40} {
		if s.Contains(uA, n) {
			t.Errorf("Contains(%d) = true", n)
		}
	}
	if !s.ContainsTagged("3E11FA47-71CA-11E1-9E33-C80AA9429562", "TAG", 3) || s.ContainsTagged(uA, "tag", 4) {
		t.Errorf("ContainsTagged wrong for %s", s)
	}
	if got := s.Count(); got != 5+1+10+1+1 {
		t.Errorf("Count = %d, want 18", got)
	}
	huge := MustParseGTIDSet(uA + ":1-9223372036854775806," + uB + ":1-9223372036854775806")
	if huge.Count() != math.MaxInt64 {
		t.Errorf("Count should saturate, got %d", huge.Count())
	}
	var zero GTIDSet
	if !zero.IsEmpty() || zero.Count() != 0 || zero.String() != "" || !zero.SubsetOf(s) || !zero.Equal(GTIDSet{}) {
		t.Errorf("zero value is not the empty set")
	}
}
