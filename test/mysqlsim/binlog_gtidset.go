package mysqlsim

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
)

// encodeGTIDSet is Gtid_set::encode, the form of COM_BINLOG_DUMP_GTID and PREVIOUS_GTIDS_LOG_EVENT: the
// number of SIDs (8 bytes), then per SID its 16 bytes, the number of intervals (8) and each interval's start
// and end, the end exclusive (8 + 8).
func encodeGTIDSet(s GTIDSet) []byte {
	uuids := make([]string, 0, len(s.m))
	for u, ivs := range s.m {
		if len(ivs) > 0 {
			uuids = append(uuids, u)
		}
	}
	sort.Strings(uuids)
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(uuids)))
	for _, u := range uuids {
		b = append(b, uuidBytes(u)...)
		b = binary.LittleEndian.AppendUint64(b, uint64(len(s.m[u])))
		for _, iv := range s.m[u] {
			b = binary.LittleEndian.AppendUint64(b, uint64(iv.Start))
			b = binary.LittleEndian.AppendUint64(b, uint64(iv.End+1))
		}
	}
	return b
}

var errBadGTIDEncoding = errors.New("malformed encoded GTID set")

// decodeGTIDSet is Gtid_set::add_gtid_encoding.
func decodeGTIDSet(b []byte) (GTIDSet, error) {
	var set GTIDSet
	next := func(n int) []byte {
		if len(b) < n {
			return nil
		}
		p := b[:n]
		b = b[n:]
		return p
	}
	head := next(8)
	if head == nil {
		return set, errBadGTIDEncoding
	}
	for range binary.LittleEndian.Uint64(head) {
		sid, count := next(16), next(8)
		if sid == nil || count == nil {
			return GTIDSet{}, errBadGTIDEncoding
		}
		uuid := uuidString(sid)
		for range binary.LittleEndian.Uint64(count) {
			iv := next(16)
			if iv == nil {
				return GTIDSet{}, errBadGTIDEncoding
			}
			start, end := int64(binary.LittleEndian.Uint64(iv)), int64(binary.LittleEndian.Uint64(iv[8:]))
			if start < 1 || end <= start {
				return GTIDSet{}, errBadGTIDEncoding
			}
			set = set.addInterval(uuid, interval{start, end - 1})
		}
	}
	if len(b) != 0 {
		return GTIDSet{}, errBadGTIDEncoding
	}
	return set, nil
}

func uuidBytes(u string) []byte {
	b, _ := hex.DecodeString(strings.ReplaceAll(u, "-", ""))
	return b
}

func uuidString(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
