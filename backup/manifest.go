package backup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// FormatVersion is the newest manifest format: this package reads it and every older one. Version 2 added
// Database.Sequences; a backup without sequences is written as version 1, which an older Orca still restores
// whole, while one with sequences is refused by an Orca that would silently leave them out.
const FormatVersion = 2

// formatVersionNoSequences is the version of a manifest without sequences.
const formatVersionNoSequences = 1

// ManifestKey is the manifest's key inside a backup's location. It is written last.
const ManifestKey = "manifest.json"

// maxManifestBytes bounds what ParseManifest accepts (a manifest lists chunks, not data).
const maxManifestBytes = 256 << 20

// Manifest describes one complete backup.
type Manifest struct {
	FormatVersion int       `json:"formatVersion"`
	ID            string    `json:"id"`
	StartedAt     time.Time `json:"startedAt"`
	CompletedAt   time.Time `json:"completedAt"`
	// Server is the source's SELECT VERSION().
	Server string `json:"server"`
	// Position is where the snapshot stands in the source's history.
	Position    Position   `json:"position"`
	Compression string     `json:"compression"`
	Databases   []Database `json:"databases"`
	Tables      []Table    `json:"tables"`
	// Users holds CREATE USER and GRANT statements when users were included.
	Users []string `json:"users,omitempty"`
}

// Position is the snapshot's place in the binary log.
type Position struct {
	// GTIDSet is gtid_executed (MySQL) or gtid_binlog_pos (MariaDB) at the snapshot.
	GTIDSet    string `json:"gtidSet"`
	BinlogFile string `json:"binlogFile,omitempty"`
	BinlogPos  uint64 `json:"binlogPos,omitempty"`
}

// Database is a schema and its objects other than base tables.
type Database struct {
	Name      string   `json:"name"`
	CreateSQL string   `json:"createSQL"`
	Views     []Object `json:"views,omitempty"`
	Routines  []Object `json:"routines,omitempty"`
	Triggers  []Object `json:"triggers,omitempty"`
	Events    []Object `json:"events,omitempty"`
	// Sequences are MariaDB SEQUENCE objects, created before the tables.
	Sequences []Sequence `json:"sequences,omitempty"`
}

// Object is one schema object's DDL and the sql_mode it was created under.
type Object struct {
	Name string `json:"name"`
	// Kind is PROCEDURE or FUNCTION for routines, empty for the others.
	Kind    string `json:"kind,omitempty"`
	SQLMode string `json:"sqlMode,omitempty"`
	SQL     string `json:"sql"`
}

// Table is a base table: its DDL, the columns its chunks insert, and its chunks.
type Table struct {
	Database  string   `json:"database"`
	Name      string   `json:"name"`
	CreateSQL string   `json:"createSQL"`
	Columns   []string `json:"columns"`
	Rows      int64    `json:"rows"`
	Chunks    []Chunk  `json:"chunks"`
}

// Chunk is one object of a table's rows.
type Chunk struct {
	Key  string `json:"key"`
	Rows int64  `json:"rows"`
	// Size is the object's length in bytes (compressed); RawSize the SQL it holds.
	Size    int64  `json:"size"`
	RawSize int64  `json:"rawSize"`
	SHA256  string `json:"sha256"`
	// Digest is the sum (mod 2^64) of the xxhash64 of each row's encoding, in hex: what Verify recomputes from
	// a restored table to prove it holds the snapshot's rows.
	Digest string `json:"digest"`
}

// Digest sums the table's chunk digests.
func (t *Table) Digest() uint64 {
	var sum uint64
	for _, c := range t.Chunks {
		d, _ := strconv.ParseUint(c.Digest, 16, 64)
		sum += d
	}
	return sum
}

func formatDigest(d uint64) string { return fmt.Sprintf("%016x", d) }

// formatVersion is the version to write the manifest as: the oldest that holds everything in it.
func (m *Manifest) formatVersion() int {
	for _, d := range m.Databases {
		if len(d.Sequences) > 0 {
			return FormatVersion
		}
	}
	return formatVersionNoSequences
}

// Size is the sum of the chunks' object sizes.
func (m *Manifest) Size() int64 {
	var n int64
	for _, t := range m.Tables {
		for _, c := range t.Chunks {
			n += c.Size
		}
	}
	return n
}

// Encode renders the manifest as indented JSON.
func (m *Manifest) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return b, nil
}

// ParseManifest decodes and validates untrusted manifest bytes.
func ParseManifest(b []byte) (*Manifest, error) {
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("%w: manifest is %d bytes (limit %d)", ErrCorrupt, len(b), maxManifestBytes)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %w", ErrCorrupt, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: manifest: trailing data", ErrCorrupt)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%w: manifest: %w", ErrCorrupt, err)
	}
	return &m, nil
}

var (
	chunkKeyRE = regexp.MustCompile(`^data/t[0-9]{5}/p[0-9]{5}-[0-9]{4}\.sql\.zst$`)
	sha256RE   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	digestRE   = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// Validate checks what restore relies on: the version, names, and every chunk's key, size and checksum.
func (m *Manifest) Validate() error {
	if m.FormatVersion < formatVersionNoSequences || m.FormatVersion > FormatVersion {
		return fmt.Errorf("format version %d, this Orca reads %d to %d", m.FormatVersion, formatVersionNoSequences,
			FormatVersion)
	}
	if m.Compression != "zstd" {
		return fmt.Errorf("compression %q, want zstd", m.Compression)
	}
	dbs := map[string]bool{}
	for _, d := range m.Databases {
		if err := checkName("database", d.Name); err != nil {
			return err
		}
		if len(d.Sequences) > 0 && m.FormatVersion < FormatVersion {
			return fmt.Errorf("database %s has sequences in a version %d manifest", d.Name, m.FormatVersion)
		}
		for _, sq := range d.Sequences {
			if err := checkName("sequence", sq.Name); err != nil {
				return err
			}
		}
		dbs[d.Name] = true
	}
	keys := map[string]bool{}
	for i := range m.Tables {
		if err := m.Tables[i].validate(dbs, keys); err != nil {
			return err
		}
	}
	return nil
}

func (t *Table) validate(dbs, keys map[string]bool) error {
	if !dbs[t.Database] {
		return fmt.Errorf("table %q in unknown database %q", t.Name, t.Database)
	}
	if err := checkName("table", t.Name); err != nil {
		return err
	}
	if len(t.Columns) == 0 {
		return fmt.Errorf("table %s.%s has no columns", t.Database, t.Name)
	}
	var rows int64
	for _, c := range t.Chunks {
		if !chunkKeyRE.MatchString(c.Key) || keys[c.Key] {
			return fmt.Errorf("table %s.%s: bad or repeated chunk key %q", t.Database, t.Name, c.Key)
		}
		keys[c.Key] = true
		if !sha256RE.MatchString(c.SHA256) || !digestRE.MatchString(c.Digest) || c.Size <= 0 ||
			c.Size > maxChunkObject || c.Rows < 0 || c.RawSize < 0 {
			return fmt.Errorf("chunk %s: bad size, rows or sha256", c.Key)
		}
		rows += c.Rows
	}
	if rows != t.Rows {
		return fmt.Errorf("table %s.%s: chunks hold %d rows, table says %d", t.Database, t.Name, rows, t.Rows)
	}
	return nil
}

func checkName(what, name string) error {
	if name == "" || len(name) > 64*4 || strings.ContainsRune(name, 0) {
		return fmt.Errorf("bad %s name %q", what, name)
	}
	return nil
}
