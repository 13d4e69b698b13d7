package migrate

import (
	"testing"
)

func TestLint(t *testing.T) {
	cases := []struct {
		stmt string
		want []string // rule/severity
	}{
		{"CREATE TABLE a (id INT PRIMARY KEY, v TEXT)", nil},
		{"CREATE TABLE a (id INT, PRIMARY KEY (id)) ENGINE=InnoDB", nil},
		{"CREATE TABLE logs (msg TEXT)", []string{"MissingPrimaryKey/error"}},
		{"CREATE TABLE IF NOT EXISTS b LIKE a", nil},
		{"CREATE TABLE c (id INT PRIMARY KEY) ENGINE=MyISAM", []string{"GRIncompatible/error"}},
		{"DROP TABLE a", []string{"Destructive/error"}},
		{"TRUNCATE TABLE a", []string{"Destructive/error"}},
		{"ALTER TABLE a DROP COLUMN v", []string{"Destructive/error"}},
		{"ALTER TABLE a DROP INDEX i", nil},
		{"ALTER TABLE a ADD COLUMN w INT", nil},
		{"ALTER TABLE a MODIFY v VARCHAR(10)", []string{"TableRewrite/warning"}},
		{"ALTER TABLE a ENGINE=InnoDB", []string{"TableRewrite/warning"}},
		{"DELETE FROM a", []string{"Destructive/warning"}},
		{"DELETE FROM a WHERE id = 1", nil},
		{"UPDATE a SET v = 'x' WHERE id = 2", nil},
		{"LOCK TABLES a WRITE", []string{"GRIncompatible/error"}},
		{"SELECT GET_LOCK('m', 10)", []string{"GRIncompatible/error"}},
		{"INSERT INTO a VALUES (1, 'drop table b')", nil},
	}
	for _, c := range cases {
		f := File{Name: "V1__x.sql", Version: "1", Statements: []Statement{{Text: c.stmt, Line: 1}}}
		var got []string
		for _, x := range Lint([]File{f}, nil) {
			got = append(got, x.Rule+"/"+x.Severity)
		}
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
			t.Errorf("%q: %v, want %v", c.stmt, got, c.want)
		}
	}
}

func TestLintSkipsApplied(t *testing.T) {
	f := File{Name: "V1__x.sql", Version: "1", Statements: []Statement{{Text: "DROP TABLE a"}, {Text: "DROP TABLE b"}}}
	got := Lint([]File{f}, func(v string, i int) bool { return i == 0 })
	if len(got) != 1 || got[0].Index != 1 {
		t.Fatalf("findings %+v", got)
	}
}
