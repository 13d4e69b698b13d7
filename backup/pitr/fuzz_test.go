package pitr

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The archive's index entries and the archiver's heartbeat come back from the store: whatever they hold,
// parsing never panics, an accepted entry round-trips, and the chain and its health are decided without a
// panic.
func FuzzParseArchiveObjects(f *testing.F) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := Segment{Seq: 2, Flavor: flavorMariaDB, Size: 900, SHA256: strings.Repeat("ab", 32), Transactions: 3, FirstGTID: "0-1-6",
		LastGTID: "0-1-8", FirstTime: at, LastTime: at.Add(time.Second), StartSet: "0-1-5", EndSet: "0-1-8",
		Source: "db-0:3306", SourceServerID: 1, ArchivedAt: at}
	entry, _ := json.Marshal(s)
	expire := int64(600)
	beat, _ := json.Marshal(Heartbeat{At: at, Source: "db-0:3306", Following: true, Since: at, Archived: "0-1-8",
		BinlogExpireSeconds: &expire})
	f.Add(entry)
	f.Add(beat)
	f.Add([]byte(`{"seq":1,"flavor":"mysql","size":10,"sha256":"","transactions":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		seg, err := ParseSegment(b)
		if err == nil {
			again, _ := json.Marshal(seg)
			back, err := ParseSegment(again)
			if err != nil || !reflect.DeepEqual(normalize(back), normalize(seg)) {
				t.Fatalf("entry %+v does not round-trip: %+v, %v", seg, back, err)
			}
			prev := seg
			prev.Seq, prev.EndSet = seg.Seq-1, seg.StartSet
			c := Analyze([]Segment{prev, seg}, map[string]bool{SegmentKey(seg.Seq): true})
			_, _ = PlanReplay(c, seg.StartSet, Point{Latest: true})
			_, _ = Expire(c.Segments, nil, []string{seg.EndSet})
			Judge(c, nil, at, time.Hour)
		}
		if hb, err := ParseHeartbeat(b); err == nil {
			Judge(Chain{}, &hb, at, time.Hour)
		}
	})
}

// normalize drops the monotonic and location parts JSON does not keep.
func normalize(s Segment) Segment {
	s.FirstTime, s.LastTime, s.ArchivedAt = s.FirstTime.UTC(), s.LastTime.UTC(), s.ArchivedAt.UTC()
	return s
}
