package binlog

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestMySQLSets(t *testing.T) {
	s, err := ParseSet(testSID.String()+":1-5:7,"+testSID.String()+":6", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); got != testSID.String()+":1-7" {
		t.Errorf("merged set %s", got)
	}
	s.Add(GTID{SID: testSID, GNO: 9})
	if !s.Contains(GTID{SID: testSID, GNO: 3}) || s.Contains(GTID{SID: testSID, GNO: 8}) {
		t.Errorf("contains wrong in %s", s)
	}
	if sub, _ := ParseSet(testSID.String()+":2-3", false); !s.Includes(sub) || sub.Includes(s) {
		t.Errorf("Includes wrong for %s", s)
	}
	want := binary.LittleEndian.AppendUint64(nil, 1)
	want = append(want, testSID[:]...)
	want = binary.LittleEndian.AppendUint64(want, 2)
	for _, v := range []uint64{1, 8, 9, 10} {
		want = binary.LittleEndian.AppendUint64(want, v)
	}
	if got, err := s.encodeMySQL(); err != nil || !bytes.Equal(got, want) {
		t.Errorf("encoded %x, want %x", got, want)
	}
	for _, bad := range []string{"x:1", testSID.String() + ":0", testSID.String() + ":5-3"} {
		if _, err := ParseSet(bad, false); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	tagged, err := ParseSet(testSID.String()+":orca:1", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tagged.encodeMySQL(); err == nil {
		t.Error("a tagged set encoded")
	}
}

func TestMariaDBPositions(t *testing.T) {
	s, err := ParseSet("1-2-9, 0-1-5", true)
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != "0-1-5,1-2-9" {
		t.Errorf("position %s", s)
	}
	s.Add(GTID{MariaDB: true, Maria: MariaDBGTID{Domain: 0, Server: 3, Seq: 6}})
	if s.String() != "0-3-6,1-2-9" || !s.Contains(GTID{MariaDB: true, Maria: MariaDBGTID{Domain: 1, Seq: 9}}) ||
		s.Contains(GTID{MariaDB: true, Maria: MariaDBGTID{Domain: 2, Seq: 1}}) {
		t.Errorf("after add: %s", s)
	}
	older, _ := ParseSet("0-1-4", true)
	if !s.Includes(older) || older.Includes(s) || !s.Includes(NewSet(true)) {
		t.Errorf("%s and %s: Includes wrong", s, older)
	}
	for _, bad := range []string{"0-1", "0-1-5,0-2-6", "a-b-c"} {
		if _, err := ParseSet(bad, true); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
