package pitr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/orca-operator/orca/binlog"
)

// Expiry is what a retention pass deletes: index entries first, then their segments and the segment objects
// left without an entry before the chain's start (a pass cut short between the two).
type Expiry struct {
	IndexKeys, SegmentKeys []string
	// Through is the newest sequence number expired (0: none).
	Through uint64
}

// Expire chooses the segments no retained base backup needs: the oldest segments, in order, whose every
// transaction each retained backup (its GTID set) already holds. It stops at the first segment one of them
// needs, so what stays is an unbroken run, and never takes the newest segment (the archiver resumes after it).
// Without a retained backup nothing expires. present is the segment objects in the store (LoadIndex's).
func Expire(segs []Segment, present map[string]bool, backups []string) (Expiry, error) {
	if len(segs) == 0 || len(backups) == 0 {
		return Expiry{}, nil
	}
	mariadb := segs[0].MariaDB()
	sets := make([]binlog.Set, 0, len(backups))
	for _, b := range backups {
		set, err := binlog.ParseSet(b, mariadb)
		if err != nil {
			return Expiry{}, fmt.Errorf("a retained backup's GTID set %q: %w", b, err)
		}
		sets = append(sets, set)
	}
	var e Expiry
	for _, s := range segs[:len(segs)-1] {
		if !heldByAll(s, sets) {
			break
		}
		e.IndexKeys, e.SegmentKeys, e.Through = append(e.IndexKeys, IndexKey(s.Seq)),
			append(e.SegmentKeys, SegmentKey(s.Seq)), s.Seq
	}
	first := segs[0].Seq
	for k := range present {
		if seq, ok := segmentSeq(k); ok && seq < first {
			e.SegmentKeys = append(e.SegmentKeys, k)
		}
	}
	return e, nil
}

func heldByAll(s Segment, backups []binlog.Set) bool {
	end, err := binlog.ParseSet(s.EndSet, s.MariaDB())
	if err != nil || s.MariaDB() != backups[0].MariaDB {
		return false
	}
	for _, b := range backups {
		if !b.Includes(end) {
			return false
		}
	}
	return true
}

// segmentSeq reads the sequence number of a segment object's key.
func segmentSeq(key string) (uint64, bool) {
	name, ok := strings.CutPrefix(key, segmentPrefix)
	if !ok {
		return 0, false
	}
	name, ok = strings.CutSuffix(name, ".binlog")
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(name, 10, 64)
	return seq, err == nil && seqName(seq) == name
}
