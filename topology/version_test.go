package topology

import "testing"

func TestCompareVersions(t *testing.T) {
	cases := []struct {
		a, b string
		cmp  int
		ok   bool
	}{
		{"8.4.6", "8.4.6", 0, true},
		{"8.4.5", "8.4.6", -1, true},
		{"8.4.10", "8.4.9", 1, true},
		{"8.4.6-log", "8.4.6", 0, true},
		{"8.4.6-commercial", "8.4.7", -1, true},
		{"9.0.0", "8.4.99", 1, true},
		{"8.4", "8.4.1", 0, false},
		{"", "8.4.1", 0, false},
		{"8.x.1", "8.4.1", 0, false},
	}
	for _, c := range cases {
		cmp, ok := compareVersions(c.a, c.b)
		if cmp != c.cmp || ok != c.ok {
			t.Errorf("compareVersions(%q, %q) = %d, %v; want %d, %v", c.a, c.b, cmp, ok, c.cmp, c.ok)
		}
	}
	if !sameSeries("8.4.0", "8.4.6-log") || sameSeries("8.4.6", "9.0.1") || sameSeries("x", "x") {
		t.Errorf("sameSeries wrong")
	}
}
