package tlsca

import "testing"

func TestVerifyName(t *testing.T) {
	host := "c-1.c-instances.ns.svc.cluster.local"
	cases := []struct {
		names    []string
		want     string
		identity bool
	}{
		{[]string{"c-0.c-instances.ns.svc.cluster.local", host}, host, true},
		{[]string{"*.c-instances.ns.svc.cluster.local"}, host, true},
		{[]string{"*.ns.svc.cluster.local"}, "*.ns.svc.cluster.local", false}, // one label only
		{[]string{"C-1.C-Instances.NS.svc.cluster.local."}, host, true},
		{[]string{"db.example.org", "other"}, "db.example.org", false},
		{nil, "", false},
	}
	for _, tc := range cases {
		got, id := VerifyName(tc.names, host)
		if got != tc.want || id != tc.identity {
			t.Errorf("VerifyName(%v) = %q, %v; want %q, %v", tc.names, got, id, tc.want, tc.identity)
		}
	}
	if !CoversAll([]string{"*.c-instances.ns.svc.cluster.local"}, []string{host, "c-0.c-instances.ns.svc.cluster.local"}) ||
		CoversAll([]string{host}, []string{host, "c-0.c-instances.ns.svc.cluster.local"}) {
		t.Fatal("CoversAll")
	}
	if MatchName("*.", "a") || MatchName("*.b", ".b") {
		t.Fatal("degenerate wildcards match")
	}
}
