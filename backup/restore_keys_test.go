package backup

import (
	"slices"
	"strings"
	"testing"
)

const sysbenchCreate = "CREATE TABLE `sbtest1` (\n" +
	"  `id` int(11) NOT NULL AUTO_INCREMENT,\n" +
	"  `k` int(11) NOT NULL DEFAULT 0,\n" +
	"  `c` char(120) NOT NULL DEFAULT '',\n" +
	"  PRIMARY KEY (`id`),\n" +
	"  UNIQUE KEY `u_c` (`c`),\n" +
	"  KEY `k_1` (`k`),\n" +
	"  KEY `k``2` (`k`,`c`(10)) COMMENT 'a, b'\n" +
	") ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=latin1"

func TestPlanKeysDefersPlainKeys(t *testing.T) {
	got := planKeys(sysbenchCreate, false)
	want := "CREATE TABLE `sbtest1` (\n" +
		"  `id` int(11) NOT NULL AUTO_INCREMENT,\n" +
		"  `k` int(11) NOT NULL DEFAULT 0,\n" +
		"  `c` char(120) NOT NULL DEFAULT '',\n" +
		"  PRIMARY KEY (`id`),\n" +
		"  UNIQUE KEY `u_c` (`c`)\n" +
		") ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=latin1"
	if got.create != want {
		t.Fatalf("create:\n%s\nwant:\n%s", got.create, want)
	}
	wantKeys := []string{"KEY `k_1` (`k`)", "KEY `k``2` (`k`,`c`(10)) COMMENT 'a, b'"}
	if !slices.Equal(got.deferred, wantKeys) {
		t.Fatalf("deferred %q, want %q", got.deferred, wantKeys)
	}
	if n := keyName(got.deferred[1]); n != "k`2" {
		t.Fatalf("keyName = %q", n)
	}
}

func TestPlanKeysKeepsTablesWhole(t *testing.T) {
	replace := func(old, new string) string { return strings.Replace(sysbenchCreate, old, new, 1) }
	for name, create := range map[string]string{
		"no secondary key": replace("  KEY `k_1` (`k`),\n  KEY `k``2` (`k`,`c`(10)) COMMENT 'a, b'\n",
			"  KEY_BLOCK_SIZE_LIKE_COLUMN int\n"),
		"fulltext":      replace("UNIQUE KEY `u_c` (`c`)", "FULLTEXT KEY `f` (`c`)"),
		"spatial":       replace("UNIQUE KEY `u_c` (`c`)", "SPATIAL KEY `s` (`c`)"),
		"foreign key":   replace("UNIQUE KEY `u_c` (`c`)", "CONSTRAINT `fk` FOREIGN KEY (`k`) REFERENCES `p` (`id`)"),
		"auto column":   replace("KEY `k_1` (`k`)", "KEY `k_1` (`id`)"),
		"not the shape": strings.ReplaceAll(sysbenchCreate, "\n", " "),
		"only keys":     "CREATE TABLE `t` (\n  KEY `k` (`a`)\n) ENGINE=InnoDB",
	} {
		if got := planKeys(create, false); got.create != create || got.deferred != nil {
			t.Errorf("%s: deferred %q from\n%s", name, got.deferred, create)
		}
	}
	if got := planKeys(sysbenchCreate, true); got.create != sysbenchCreate || got.deferred != nil {
		t.Errorf("a referenced table: deferred %q", got.deferred)
	}
}

func TestReferencedTables(t *testing.T) {
	m := &Manifest{Tables: []Table{
		{CreateSQL: "CREATE TABLE `c` (\n  CONSTRAINT `f1` FOREIGN KEY (`p`) REFERENCES `parent` (`id`),\n" +
			"  CONSTRAINT `f2` FOREIGN KEY (`q`) REFERENCES `other``db`.`p``2` (`id`)\n) ENGINE=InnoDB"},
		{CreateSQL: sysbenchCreate},
	}}
	got := referencedTables(m)
	if len(got) != 2 || !got["parent"] || !got["p`2"] {
		t.Fatalf("referenced %v", got)
	}
}

func TestMissingKeys(t *testing.T) {
	d := []string{"KEY `a` (`a`)", "KEY `b` (`b`)"}
	if got := missingKeys(d, map[string]bool{"PRIMARY": true}); got != "ADD KEY `a` (`a`), ADD KEY `b` (`b`)" {
		t.Fatalf("nothing built: %q", got)
	}
	if got := missingKeys(d, map[string]bool{"a": true}); got != "ADD KEY `b` (`b`)" {
		t.Fatalf("a built: %q", got)
	}
	if got := missingKeys(d, map[string]bool{"a": true, "b": true}); got != "" {
		t.Fatalf("all built: %q", got)
	}
}

func TestLoadOrderRoundRobin(t *testing.T) {
	m := &Manifest{Tables: []Table{
		{Name: "a", Chunks: []Chunk{{Key: "a0"}, {Key: "a1"}, {Key: "a2"}}},
		{Name: "b", Chunks: []Chunk{{Key: "b0"}}},
		{Name: "c", Chunks: []Chunk{{Key: "c0"}, {Key: "c1"}}},
	}}
	jobs, skipped := loadOrder(m, func(k string) bool { return k == "c0" || k == "a2" })
	var keys []string
	for _, j := range jobs {
		keys = append(keys, j.t.Name+":"+j.c.Key)
	}
	if want := []string{"a:a0", "b:b0", "a:a1", "c:c1"}; !slices.Equal(keys, want) || skipped != 2 {
		t.Fatalf("order %v, skipped %d; want %v, 2", keys, skipped, want)
	}
}
