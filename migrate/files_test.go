package migrate

import (
	"errors"
	"testing"
	"testing/fstest"
)

func TestLoadOrdersByVersion(t *testing.T) {
	fsys := fstest.MapFS{
		"db/V10__later.sql":    {Data: []byte("SELECT 10;")},
		"db/V2__second.sql":    {Data: []byte("SELECT 2; SELECT 22;")},
		"db/V1_9__minor.sql":   {Data: []byte("SELECT 19;")},
		"db/V1__first.sql":     {Data: []byte("SELECT 1;")},
		"db/README.md":         {Data: []byte("not a migration")},
		"db/R__repeatable.sql": {Data: []byte("SELECT 'ignored';")},
	}
	files, err := Load(fsys, "db")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Version)
	}
	if want := []string{"1", "1.9", "2", "10"}; len(got) != 4 || got[0] != want[0] || got[1] != want[1] ||
		got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("order %v, want %v", got, want)
	}
	if len(files[2].Statements) != 2 || len(files[2].Checksum) != 64 {
		t.Fatalf("V2: %+v", files[2])
	}
}

func TestLoadRefusesBadNames(t *testing.T) {
	for _, fsys := range []fstest.MapFS{
		{"m/V1_init.sql": {Data: []byte("SELECT 1;")}},
		{"m/Vx__init.sql": {Data: []byte("SELECT 1;")}},
		{"m/V1__a.sql": {Data: []byte("SELECT 1;")}, "m/V1.0__b.sql": {Data: []byte("SELECT 1;")}},
		{"m/V1__a.sql": {Data: []byte("SELECT 'open;")}},
	} {
		if _, err := Load(fsys, "m"); !errors.Is(err, ErrFileName) && !errors.Is(err, ErrUnterminated) {
			t.Errorf("%v: got %v", fsys, err)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{{"1", "1.0", 0}, {"1.10", "1.9", 1}, {"2", "10", -1}, {"001", "1", 0}, {"1.2.3", "1.2", 1}} {
		got := compareVersions(c.a, c.b)
		if (got > 0) != (c.want > 0) || (got < 0) != (c.want < 0) {
			t.Errorf("%s vs %s: %d", c.a, c.b, got)
		}
	}
}

func mapFS(name, content string) fstest.MapFS {
	return fstest.MapFS{name: {Data: []byte(content)}}
}
