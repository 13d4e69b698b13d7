package tlsca

import (
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func ca(notAfter time.Time) *Info { return &Info{KeyID: "ca1", NotAfter: notAfter} }

func member(names []string, issuer string, notAfter time.Time) Info {
	return Info{Names: names, IssuerKeyID: issuer, NotAfter: notAfter}
}

func TestDecide(t *testing.T) {
	names := []string{"c-0.c-instances.ns.svc.cluster.local", "c-0.c-instances.ns.svc"}
	want := map[string][]string{"c-0": names}
	good := member(names, "ca1", t0.Add(60*day))
	cases := []struct {
		name   string
		state  State
		want   map[string][]string
		newCA  bool
		issue  []Issue
		drop   []string
		rolls  bool
		isNone bool
	}{
		{name: "nothing yet", state: State{}, want: want, newCA: true,
			issue: []Issue{{"c-0", ReasonMissing}}},
		{name: "all current", state: State{CA: ca(t0.Add(5 * 365 * day)), Members: map[string]Info{"c-0": good}},
			want: want, isNone: true},
		{name: "a member added", state: State{CA: ca(t0.Add(5 * 365 * day)), Members: map[string]Info{"c-0": good}},
			want:  map[string][]string{"c-0": names, "c-1": {"c-1.x"}},
			issue: []Issue{{"c-1", ReasonMissing}}},
		{name: "a member removed", state: State{CA: ca(t0.Add(5 * 365 * day)),
			Members: map[string]Info{"c-0": good, "c-1": good}}, want: want, drop: []string{"c-1"}},
		{name: "expiring", state: State{CA: ca(t0.Add(5 * 365 * day)),
			Members: map[string]Info{"c-0": member(names, "ca1", t0.Add(29*day))}},
			want: want, issue: []Issue{{"c-0", ReasonExpiring}}, rolls: true},
		{name: "renews exactly at the threshold", state: State{CA: ca(t0.Add(5 * 365 * day)),
			Members: map[string]Info{"c-0": member(names, "ca1", t0.Add(30*day))}},
			want: want, issue: []Issue{{"c-0", ReasonExpiring}}, rolls: true},
		{name: "a name is missing", state: State{CA: ca(t0.Add(5 * 365 * day)),
			Members: map[string]Info{"c-0": member(names[:1], "ca1", t0.Add(60*day))}},
			want: want, issue: []Issue{{"c-0", ReasonNames}}, rolls: true},
		{name: "signed by another CA", state: State{CA: ca(t0.Add(5 * 365 * day)),
			Members: map[string]Info{"c-0": member(names, "ca0", t0.Add(60*day))}},
			want: want, issue: []Issue{{"c-0", ReasonNewCA}}, rolls: true},
		{name: "the CA expires within a year", state: State{CA: ca(t0.Add(300 * day)),
			Members: map[string]Info{"c-0": good}}, want: want, newCA: true,
			issue: []Issue{{"c-0", ReasonNewCA}}, rolls: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Decide(tc.state, tc.want, t0, Policy{})
			if p.NewCA != tc.newCA || !slices.Equal(p.Issue, tc.issue) || !slices.Equal(p.Drop, tc.drop) {
				t.Fatalf("plan %+v, want newCA %v issue %v drop %v", p, tc.newCA, tc.issue, tc.drop)
			}
			if p.Rolls() != tc.rolls || p.Empty() != tc.isNone {
				t.Fatalf("rolls %v empty %v, want %v %v", p.Rolls(), p.Empty(), tc.rolls, tc.isNone)
			}
		})
	}
}

func TestNextCheckIsTheEarliestRenewal(t *testing.T) {
	s := State{CA: ca(t0.Add(5 * 365 * day)), Members: map[string]Info{
		"a": member(nil, "ca1", t0.Add(80*day)), "b": member(nil, "ca1", t0.Add(50*day))}}
	if got, want := NextCheck(s, Policy{}), t0.Add(20*day); !got.Equal(want) {
		t.Fatalf("next check %v, want %v", got, want)
	}
	if !NextCheck(State{}, Policy{}).IsZero() {
		t.Fatal("no CA: check now")
	}
}

func TestDecideDoesNotMutate(t *testing.T) {
	s := State{CA: ca(t0.Add(300 * day)), Members: map[string]Info{"x": member([]string{"a"}, "ca1", t0)}}
	want := map[string][]string{"y": {"b"}}
	Decide(s, want, t0, Policy{})
	if len(s.Members) != 1 || len(want) != 1 || s.Members["x"].Names[0] != "a" {
		t.Fatal("Decide changed its input")
	}
}
