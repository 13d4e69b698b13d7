package pitr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/orca-operator/orca/backup"
	"github.com/orca-operator/orca/binlog"
)

// Keys of the archive inside a cluster's backup store.
const (
	Prefix        = "_pitr/"
	segmentPrefix = Prefix + "segments/"
	indexPrefix   = Prefix + "index/"
)

// maxIndexBytes bounds one index entry read back from the store.
const maxIndexBytes = 64 << 10

// Segment is the index entry of one archived segment.
type Segment struct {
	// Seq numbers the segments of the archive from 1, without holes.
	Seq uint64 `json:"seq"`
	// Flavor is "mariadb" or "mysql": how to read the GTIDs.
	Flavor string `json:"flavor"`
	// Size and SHA256 (hex) are the segment object's.
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	// Transactions is how many the segment holds.
	Transactions int `json:"transactions"`
	// FirstGTID and LastGTID are its first and last transactions'.
	FirstGTID string `json:"firstGTID"`
	LastGTID  string `json:"lastGTID"`
	// FirstTime and LastTime are its first and last transactions' times (whole seconds on MariaDB).
	FirstTime time.Time `json:"firstTime"`
	LastTime  time.Time `json:"lastTime"`
	// StartSet is the archive's GTID set before the segment, EndSet after it: a chain without gaps has each
	// segment's StartSet equal to the previous one's EndSet.
	StartSet string `json:"startSet"`
	EndSet   string `json:"endSet"`
	// Source is the member it was read from (host:port) and its server_id.
	Source         string `json:"source"`
	SourceServerID uint32 `json:"sourceServerID"`
	// ArchivedAt is when the index entry was written.
	ArchivedAt time.Time `json:"archivedAt"`
}

// SegmentKey and IndexKey name a segment's objects.
func SegmentKey(seq uint64) string { return segmentPrefix + seqName(seq) + ".binlog" }

// IndexKey is the key of the index entry of segment seq.
func IndexKey(seq uint64) string { return indexPrefix + seqName(seq) + ".json" }

func seqName(seq uint64) string { return fmt.Sprintf("%012d", seq) }

// MariaDB reports whether the segment's GTIDs are MariaDB's.
func (s Segment) MariaDB() bool { return s.Flavor == flavorMariaDB }

const (
	flavorMariaDB = "mariadb"
	flavorMySQL   = "mysql"
)

// ParseSegment reads and validates an index entry (untrusted: it comes back from the store).
func ParseSegment(b []byte) (Segment, error) {
	var s Segment
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Segment{}, fmt.Errorf("%w: index entry: %w", backup.ErrCorrupt, err)
	}
	if err := s.validate(); err != nil {
		return Segment{}, fmt.Errorf("%w: index entry %d: %w", backup.ErrCorrupt, s.Seq, err)
	}
	return s, nil
}

func (s Segment) validate() error {
	switch {
	case s.Seq == 0:
		return fmt.Errorf("no sequence number")
	case s.Flavor != flavorMariaDB && s.Flavor != flavorMySQL:
		return fmt.Errorf("flavor %q", s.Flavor)
	case s.Size <= int64(len(binlog.FileMagic)) || s.Size > binlog.MaxEventSize*2:
		return fmt.Errorf("size %d", s.Size)
	case len(s.SHA256) != 64:
		return fmt.Errorf("sha256 %q", s.SHA256)
	case s.Transactions <= 0:
		return fmt.Errorf("%d transactions", s.Transactions)
	case s.LastTime.Before(s.FirstTime):
		return fmt.Errorf("last time %s before the first %s", s.LastTime, s.FirstTime)
	}
	for _, set := range []string{s.StartSet, s.EndSet, s.FirstGTID, s.LastGTID} {
		if _, err := binlog.ParseSet(set, s.MariaDB()); err != nil {
			return err
		}
	}
	return nil
}

// LoadIndex reads every index entry of the archive, in sequence order. It also returns the keys of the segment
// objects present, to tell a deleted segment from a complete one.
func LoadIndex(ctx context.Context, st backup.Store) ([]Segment, map[string]bool, error) {
	return new(IndexCache).Load(ctx, st)
}

// IndexCache remembers the index entries read from one archive, so that reading it again fetches only the new
// ones (an entry never changes once written). The zero value is empty; it is not safe for concurrent use.
type IndexCache struct {
	entries map[string]Segment
}

// Load is LoadIndex reading only the entries it has not read before; entries deleted from the store are
// dropped.
func (c *IndexCache) Load(ctx context.Context, st backup.Store) ([]Segment, map[string]bool, error) {
	keys, err := st.List(ctx, indexPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("list the PITR index: %w", err)
	}
	seen := make(map[string]Segment, len(keys))
	var out []Segment
	for _, k := range keys {
		if !strings.HasSuffix(k, ".json") {
			continue
		}
		seg, ok := c.entries[k]
		if !ok {
			if seg, err = loadSegment(ctx, st, k); err != nil {
				return nil, nil, err
			}
		}
		if want := IndexKey(seg.Seq); want != k {
			return nil, nil, fmt.Errorf("%w: %s holds the entry of segment %d", backup.ErrCorrupt, k, seg.Seq)
		}
		seen[k] = seg
		out = append(out, seg)
	}
	c.entries = seen
	objects, err := st.List(ctx, segmentPrefix)
	if err != nil {
		return nil, nil, fmt.Errorf("list the PITR segments: %w", err)
	}
	present := map[string]bool{}
	for _, k := range objects {
		present[k] = true
	}
	return out, present, nil
}

func loadSegment(ctx context.Context, st backup.Store, key string) (Segment, error) {
	rc, err := st.Open(ctx, key)
	if err != nil {
		return Segment{}, fmt.Errorf("read %s: %w", key, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(io.LimitReader(rc, maxIndexBytes+1))
	if err != nil {
		return Segment{}, fmt.Errorf("read %s: %w", key, err)
	}
	if len(b) > maxIndexBytes {
		return Segment{}, fmt.Errorf("%w: %s is over %d bytes", backup.ErrCorrupt, key, maxIndexBytes)
	}
	return ParseSegment(b)
}
