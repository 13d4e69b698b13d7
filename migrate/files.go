package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// ErrFileName means a file looks like a migration (V*.sql) but its name is not V<version>__<name>.sql, or two
// files have the same version.
var ErrFileName = errors.New("bad migration file name")

// File is one versioned migration file.
type File struct {
	// Name is the file's name, V<version>__<name>.sql.
	Name string
	// Version is the version with '_' read as '.', as Flyway reads it: V1_2__x.sql is version 1.2.
	Version string
	// Checksum is the SHA-256 of the file's bytes, hex.
	Checksum string
	// Statements are the file's statements in order.
	Statements []Statement
}

var fileName = regexp.MustCompile(`^V([0-9]+(?:[._][0-9]+)*)__([^/]+)\.sql$`)

// Load reads the V<version>__<name>.sql files of dir in fsys, in version order. Other files are ignored.
func Load(fsys fs.FS, dir string) ([]File, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations folder %s: %w", dir, err)
	}
	var files []File
	for _, e := range entries {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "V") || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		f, err := loadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	slices.SortFunc(files, func(a, b File) int { return compareVersions(a.Version, b.Version) })
	for i := 1; i < len(files); i++ {
		if compareVersions(files[i-1].Version, files[i].Version) == 0 {
			return nil, fmt.Errorf("%s and %s have version %s: %w", files[i-1].Name, files[i].Name,
				files[i].Version, ErrFileName)
		}
	}
	return files, nil
}

func loadFile(fsys fs.FS, name string) (File, error) {
	m := fileName.FindStringSubmatch(path.Base(name))
	if m == nil {
		return File{}, fmt.Errorf("%s is not V<version>__<name>.sql: %w", name, ErrFileName)
	}
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return File{}, fmt.Errorf("read %s: %w", name, err)
	}
	st, err := Split(string(raw))
	if err != nil {
		return File{}, fmt.Errorf("split %s: %w", name, err)
	}
	sum := sha256.Sum256(raw)
	return File{Name: path.Base(name), Version: strings.ReplaceAll(m[1], "_", "."),
		Checksum: hex.EncodeToString(sum[:]), Statements: st}, nil
}

// compareVersions orders dotted versions numerically, part by part, whatever their length: 1.10 > 1.9 and
// 1.0 == 1.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		x, y := part(pa, i), part(pb, i)
		if c := len(x) - len(y); c != 0 {
			return c
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// part is the i-th part without leading zeros, "" when absent or zero.
func part(p []string, i int) string {
	if i >= len(p) {
		return ""
	}
	return strings.TrimLeft(p[i], "0")
}
