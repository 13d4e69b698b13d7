package backup

import (
	"errors"
	"testing"
)

func TestPlanGTIDs(t *testing.T) {
	const set = "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77"
	for _, c := range []struct {
		name           string
		source, target flavor
		set            string
		st             gtidState
		want           gtidStep
		conflict       bool
	}{
		{"no set", flavorMySQL, flavorMySQL, "", gtidState{}, gtidNothing, false},
		{"fresh MySQL", flavorMySQL, flavorMySQL, set, gtidState{}, gtidAppendPurged, false},
		{"recorded by an earlier run", flavorMySQL, flavorMySQL, set, gtidState{executed: true, overlaps: true},
			gtidNothing, false},
		{"part executed", flavorMySQL, flavorMySQL, set, gtidState{overlaps: true}, gtidNothing, true},
		{"MariaDB", flavorMariaDB, flavorMariaDB, "0-1-42", gtidState{}, gtidSlavePos, false},
		{"MariaDB into MySQL", flavorMariaDB, flavorMySQL, "0-1-42", gtidState{}, gtidNothing, true},
		{"MySQL into MariaDB", flavorMySQL, flavorMariaDB, set, gtidState{}, gtidNothing, true},
	} {
		got, err := planGTIDs(c.source, c.target, c.set, c.st)
		if got != c.want || errors.Is(err, ErrGTIDConflict) != c.conflict || (err != nil) != c.conflict {
			t.Errorf("%s: step %d, %v; want %d, conflict %v", c.name, got, err, c.want, c.conflict)
		}
	}
}

func TestGTIDLiteral(t *testing.T) {
	for _, c := range []struct {
		f   flavor
		set string
		ok  bool
	}{
		{flavorMySQL, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77:80,3E11FA47-71CA-11E1-9E33-C80AA9429563:5", true},
		{flavorMySQL, "3e11fa47-71ca-11e1-9e33-c80aa9429562:blue:1-3:7", true},
		{flavorMySQL, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77' OR '1", false},
		{flavorMySQL, "0-1-42", false},
		{flavorMariaDB, "0-1-42,1-2-7", true},
		{flavorMariaDB, "0-1-42;DROP", false},
	} {
		lit, err := gtidLiteral(c.f, c.set)
		if c.ok != (err == nil) || (c.ok && lit != "'"+c.set+"'") || (!c.ok && !errors.Is(err, ErrCorrupt)) {
			t.Errorf("%q: %q, %v", c.set, lit, err)
		}
	}
}
