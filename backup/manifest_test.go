package backup

import (
	"errors"
	"strings"
	"testing"
)

func validManifest() *Manifest {
	return &Manifest{FormatVersion: FormatVersion, ID: "b1", Compression: "zstd",
		Databases: []Database{{Name: "shop", CreateSQL: "CREATE DATABASE `shop`"}},
		Tables: []Table{{Database: "shop", Name: "t", CreateSQL: "CREATE TABLE `t` (a INT)", Columns: []string{"a"},
			Rows: 3, Chunks: []Chunk{{Key: "data/t00000/p00000-0000.sql.zst", Rows: 3, Size: 10, RawSize: 30,
				SHA256: strings.Repeat("ab", 32), Digest: "00000000000000ff"}}}}}
}

func TestManifestRoundTripAndValidation(t *testing.T) {
	b, err := validManifest().Encode()
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(b)
	if err != nil || m.Size() != 10 || m.Tables[0].Chunks[0].Rows != 3 {
		t.Fatalf("parse: %+v, %v", m, err)
	}
	bad := map[string]func(*Manifest){
		"future version": func(m *Manifest) { m.FormatVersion = FormatVersion + 1 },
		"sequences in v1": func(m *Manifest) {
			m.FormatVersion = formatVersionNoSequences
			m.Databases[0].Sequences = []Sequence{{Name: "s", SQL: "CREATE SEQUENCE `s`", Next: 1}}
		},
		"other codec":      func(m *Manifest) { m.Compression = "gzip" },
		"escaping key":     func(m *Manifest) { m.Tables[0].Chunks[0].Key = "../../etc/passwd" },
		"short checksum":   func(m *Manifest) { m.Tables[0].Chunks[0].SHA256 = "ab" },
		"rows disagree":    func(m *Manifest) { m.Tables[0].Rows = 4 },
		"unknown database": func(m *Manifest) { m.Tables[0].Database = "other" },
		"no columns":       func(m *Manifest) { m.Tables[0].Columns = nil },
		"huge chunk":       func(m *Manifest) { m.Tables[0].Chunks[0].Size = 1 << 40 },
		"repeated chunk": func(m *Manifest) {
			m.Tables[0].Chunks = append(m.Tables[0].Chunks, m.Tables[0].Chunks[0])
			m.Tables[0].Rows = 6
		},
	}
	for name, mutate := range bad {
		m := validManifest()
		mutate(m)
		b, _ := m.Encode()
		if _, err := ParseManifest(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	old := validManifest()
	old.FormatVersion = formatVersionNoSequences
	if ob, _ := old.Encode(); old.formatVersion() != formatVersionNoSequences {
		t.Errorf("a manifest without sequences is written as version %d", old.formatVersion())
	} else if _, err := ParseManifest(ob); err != nil {
		t.Errorf("version 1 manifest refused: %v", err)
	}
	if _, err := ParseManifest(append(b, []byte(" {}")...)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("trailing data accepted: %v", err)
	}
}

// FuzzParseManifest: untrusted manifest bytes never panic, and whatever parses passes Validate again.
func FuzzParseManifest(f *testing.F) {
	b, _ := validManifest().Encode()
	f.Add(b)
	f.Add([]byte(`{"formatVersion":1,"compression":"zstd","tables":[{"chunks":[{}]}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed manifest fails validation: %v", err)
		}
	})
}
