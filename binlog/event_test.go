package binlog

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"
)

var testSID = UUID{0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1, 0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62}

// A MySQL-shaped stream, built from the documented event layouts (no MySQL server runs here).
func TestAssemblerFramesMySQLTransactions(t *testing.T) {
	commit := uint64(time.Date(2026, 12, 1, 10, 0, 0, 123456000, time.UTC).UnixMicro())
	stream := [][]byte{
		ev(RotateEvent, 0, 1, 0, append([]byte{4, 0, 0, 0, 0, 0, 0, 0}, "binlog.000007"...), true),
		fde("8.4.3", true),
		ev(PreviousGTIDsEvent, 1, 1, 200, make([]byte, 8), true),
		ev(MySQLGTIDEvent, 10, 1, 300, mysqlGTID(testSID, 5, commit), true),
		ev(QueryEvent, 10, 1, 350, query("BEGIN"), true),
		ev(19, 10, 1, 400, []byte("table map"), true),
		ev(30, 10, 1, 450, []byte("write rows"), true),
		ev(XIDEvent, 10, 1, 480, make([]byte, 8), true),
		ev(MySQLGTIDEvent, 11, 1, 550, mysqlGTID(testSID, 6, 0), true),
		ev(QueryEvent, 11, 1, 600, query("CREATE TABLE t (id INT)"), true),
		ev(HeartbeatEvent, 0, 1, 600, []byte("binlog.000007"), true),
	}
	a := NewAssembler(true)
	var got []*Transaction
	for _, e := range stream {
		txn, err := a.Feed(e)
		if err != nil {
			t.Fatal(err)
		}
		if txn != nil {
			got = append(got, txn)
		}
	}
	if len(got) != 2 {
		t.Fatalf("%d transactions, want 2", len(got))
	}
	first := got[0]
	if first.GTID.String() != testSID.String()+":5" || len(first.Events) != 5 || first.EndPos != 480 ||
		first.File != "binlog.000007" || !first.Time.Equal(time.UnixMicro(int64(commit))) {
		t.Errorf("first transaction %s, %d events, end %s:%d, at %s", first.GTID, len(first.Events), first.File,
			first.EndPos, first.Time)
	}
	if got[1].GTID.GNO != 6 || len(got[1].Events) != 2 || !got[1].Time.Equal(time.Unix(11, 0)) {
		t.Errorf("DDL transaction %s with %d events at %s", got[1].GTID, len(got[1].Events), got[1].Time)
	}
}

func TestAssemblerRefusesWhatWouldLoseEvents(t *testing.T) {
	for name, stream := range map[string][][]byte{
		"incident":  {fde("8.4.3", true), ev(IncidentEvent, 1, 1, 9, []byte{1, 0, 0}, true)},
		"anonymous": {fde("8.4.3", true), ev(AnonymousGTIDEvent, 1, 1, 9, mysqlGTID(UUID{}, 1, 0), true)},
		"outside":   {fde("8.4.3", true), ev(30, 1, 1, 9, []byte("rows"), true)},
		"nested": {fde("8.4.3", true), ev(MySQLGTIDEvent, 1, 1, 9, mysqlGTID(testSID, 1, 0), true),
			ev(QueryEvent, 1, 1, 9, query("BEGIN"), true), ev(MySQLGTIDEvent, 1, 1, 9, mysqlGTID(testSID, 2, 0), true)},
		"checksum": {fde("8.4.3", true), func() []byte {
			e := ev(MySQLGTIDEvent, 1, 1, 9, mysqlGTID(testSID, 1, 0), true)
			e[25]++
			return e
		}()},
	} {
		a := NewAssembler(true)
		var err error
		for _, e := range stream {
			if _, err = a.Feed(e); err != nil {
				break
			}
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestUnchecksummedFormat(t *testing.T) {
	a := NewAssembler(false)
	for _, e := range [][]byte{fde("8.4.3", false), ev(MySQLGTIDEvent, 1, 1, 9, mysqlGTID(testSID, 1, 0), false),
		ev(QueryEvent, 1, 1, 9, query("DROP TABLE t"), false)} {
		txn, err := a.Feed(e)
		if err != nil {
			t.Fatal(err)
		}
		if txn != nil && txn.GTID.GNO != 1 {
			t.Fatalf("GTID %s", txn.GTID)
		}
	}
}

// The seed file was written by TestWrittenFileReplaysWithMariaDBBinlog from a MariaDB 10.11 stream.
func TestReadFileChecksCorruption(t *testing.T) {
	file, err := os.ReadFile("testdata/mariadb-10.11.binlog")
	if err != nil {
		t.Fatal(err)
	}
	txns, err := ReadFile(file)
	if err != nil || len(txns) != 12 {
		t.Fatalf("%d transactions, %v", len(txns), err)
	}
	for _, off := range []int{len(file) - 40, len(file) / 2, 200} {
		bad := bytes.Clone(file)
		bad[off] ^= 0x10
		if _, err := ReadFile(bad); !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrMalformed) {
			t.Errorf("byte %d flipped: %v", off, err)
		}
	}
	if _, err := ReadFile(file[:len(file)-10]); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated: %v", err)
	}
}

func TestPacketsJoinLongPayloads(t *testing.T) {
	payload := bytes.Repeat([]byte{7}, maxPacketPayload+10)
	var wire bytes.Buffer
	w := &packetConn{rw: &wire}
	if err := w.writeCommand(payload); err != nil {
		t.Fatal(err)
	}
	r := &packetConn{rw: &wire, limit: 1 << 25}
	got, err := r.readPacket()
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	wire.Write([]byte{1, 0, 0, 5, 0})
	if _, err := (&packetConn{rw: &wire, limit: 10}).readPacket(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("out-of-order packet: %v", err)
	}
	if _, err := parseResponse([]byte{0xff, 0xd4, 0x04, '#', 'H', 'Y', '0', '0', '0', 'g', 'o', 'n', 'e'}); err == nil ||
		err.Error() != "server error 1236 (HY000): gone" {
		t.Fatalf("error packet: %v", err)
	}
}
