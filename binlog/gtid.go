package binlog

import (
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-operator/orca/topology"
)

// UUID is a MySQL server or group UUID, the source id of its GTIDs.
type UUID [16]byte

func (u UUID) String() string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ParseUUID reads the 8-4-4-4-12 hex form.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	h := strings.ReplaceAll(s, "-", "")
	if len(s) != 36 || len(h) != 32 {
		return u, fmt.Errorf("bad UUID %q", s)
	}
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, fmt.Errorf("bad UUID %q: %w", s, err)
	}
	return u, nil
}

// MariaDBGTID is a MariaDB GTID: domain-server-sequence.
type MariaDBGTID struct {
	Domain, Server uint32
	Seq            uint64
}

func (g MariaDBGTID) String() string { return fmt.Sprintf("%d-%d-%d", g.Domain, g.Server, g.Seq) }

// GTID is one transaction's id, of either flavour.
type GTID struct {
	// MariaDB is set for a MariaDB GTID (Maria); otherwise SID:GNO is a MySQL GTID.
	MariaDB bool
	Maria   MariaDBGTID
	SID     UUID
	GNO     uint64
}

func (g GTID) String() string {
	if g.MariaDB {
		return g.Maria.String()
	}
	return g.SID.String() + ":" + strconv.FormatUint(g.GNO, 10)
}

// Set is a GTID set: on MySQL every executed GTID (uuid:1-5:7, topology's GTIDSet), on MariaDB the last GTID
// of each domain (gtid_binlog_pos: 0-1-5,1-2-9), which is how MariaDB names a position with gtid_strict_mode.
type Set struct {
	MariaDB bool
	maria   map[uint32]MariaDBGTID
	mysql   topology.GTIDSet
}

// NewSet returns an empty set of the flavour.
func NewSet(mariadb bool) Set { return Set{MariaDB: mariadb, maria: map[uint32]MariaDBGTID{}} }

// ParseSet reads a set as the server prints it (gtid_executed or gtid_binlog_pos).
func ParseSet(s string, mariadb bool) (Set, error) {
	set := NewSet(mariadb)
	if !mariadb {
		var err error
		set.mysql, err = topology.ParseGTIDSet(s)
		return set, err
	}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		if err := set.parseMaria(part); err != nil {
			return Set{}, err
		}
	}
	return set, nil
}

func (s Set) parseMaria(part string) error {
	f := strings.Split(part, "-")
	if len(f) != 3 {
		return fmt.Errorf("bad MariaDB GTID %q", part)
	}
	d, err1 := strconv.ParseUint(f[0], 10, 32)
	srv, err2 := strconv.ParseUint(f[1], 10, 32)
	seq, err3 := strconv.ParseUint(f[2], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return fmt.Errorf("bad MariaDB GTID %q: %w", part, err)
	}
	if _, dup := s.maria[uint32(d)]; dup {
		return fmt.Errorf("MariaDB GTID position %q names domain %d twice", part, d)
	}
	s.maria[uint32(d)] = MariaDBGTID{Domain: uint32(d), Server: uint32(srv), Seq: seq}
	return nil
}

// Add records one transaction.
func (s *Set) Add(g GTID) {
	if s.MariaDB {
		s.maria[g.Maria.Domain] = g.Maria
		return
	}
	s.mysql = s.mysql.Union(topology.MustParseGTIDSet(g.String()))
}

// Contains reports whether g is in the set: on MariaDB, whether its domain's position is at or past it.
func (s Set) Contains(g GTID) bool {
	if s.MariaDB {
		p, ok := s.maria[g.Maria.Domain]
		return ok && g.Maria.Seq <= p.Seq
	}
	return s.mysql.Contains(g.SID.String(), int64(g.GNO))
}

// Includes reports whether every transaction of o is in s (on MariaDB: each of o's domains is at or before s's).
func (s Set) Includes(o Set) bool {
	if s.MariaDB != o.MariaDB {
		return false
	}
	if !s.MariaDB {
		return o.mysql.SubsetOf(s.mysql)
	}
	for d, g := range o.maria {
		if p, ok := s.maria[d]; !ok || p.Seq < g.Seq {
			return false
		}
	}
	return true
}

// Empty reports whether the set holds nothing.
func (s Set) Empty() bool { return len(s.maria) == 0 && s.mysql.IsEmpty() }

// Clone returns an independent copy.
func (s Set) Clone() Set {
	c := NewSet(s.MariaDB)
	for k, v := range s.maria {
		c.maria[k] = v
	}
	c.mysql = s.mysql // topology's sets are values
	return c
}

// String prints the set as the server does, sources sorted.
func (s Set) String() string {
	if !s.MariaDB {
		return s.mysql.String()
	}
	domains := make([]uint32, 0, len(s.maria))
	for d := range s.maria {
		domains = append(domains, d)
	}
	slices.SortFunc(domains, cmp.Compare)
	parts := make([]string, len(domains))
	for i, d := range domains {
		parts[i] = s.maria[d].String()
	}
	return strings.Join(parts, ",")
}

// encodeMySQL is the set in COM_BINLOG_DUMP_GTID's form: n_sids, then each sid, n_intervals and [start, end).
// Tagged GTIDs have another encoding (MySQL 8.3+) and are refused.
func (s Set) encodeMySQL() ([]byte, error) {
	type source struct {
		sid       UUID
		intervals []byte
		n         uint64
	}
	var sources []*source
	var err error
	s.mysql.Ranges(func(uuid, tag string, lo, hi int64) {
		if tag != "" {
			err = fmt.Errorf("tagged GTIDs (%s:%s) are not supported by the archive", uuid, tag)
		}
		if len(sources) == 0 || sources[len(sources)-1].sid.String() != uuid {
			u, perr := ParseUUID(uuid)
			err = cmp.Or(err, perr)
			sources = append(sources, &source{sid: u})
		}
		last := sources[len(sources)-1]
		last.intervals = binary.LittleEndian.AppendUint64(last.intervals, uint64(lo))
		last.intervals = binary.LittleEndian.AppendUint64(last.intervals, uint64(hi)+1)
		last.n++
	})
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(sources)))
	for _, src := range sources {
		b = append(b, src.sid[:]...)
		b = binary.LittleEndian.AppendUint64(b, src.n)
		b = append(b, src.intervals...)
	}
	return b, err
}
