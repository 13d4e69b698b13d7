package migrate

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestPrecheck(t *testing.T) {
	facts := ServerFacts{TransactionSizeLimit: 150_000_000, Tables: map[string]TableFacts{
		"big": {Bytes: 2 << 30, HasPrimaryKey: true}, "nopk": {Bytes: 10}, "small": {Bytes: 100, HasPrimaryKey: true}}}
	cases := []struct {
		stmts []string
		limit int64
		want  []string // rule/severity
	}{
		{[]string{"INSERT INTO nopk VALUES (1)"}, -1, []string{"MissingPrimaryKey/error"}},
		{[]string{"insert into `shop`.`NoPk` values (1)"}, -1, []string{"MissingPrimaryKey/error"}},
		{[]string{"UPDATE nopk SET a = 2 WHERE a = 1"}, -1, []string{"MissingPrimaryKey/error"}},
		{[]string{"ALTER TABLE nopk ADD PRIMARY KEY (a)", "INSERT INTO nopk VALUES (1)"}, -1,
			[]string{"TableRewrite/warning"}},
		{[]string{"ALTER TABLE nopk ADD COLUMN b INT"}, -1, nil}, // DDL on it is allowed
		{[]string{"INSERT INTO created_by_the_run VALUES (1)"}, -1, nil},
		{[]string{"UPDATE big SET v = 1"}, -1, []string{"TransactionTooLarge/error"}},
		{[]string{"UPDATE big SET v = 1"}, 0, nil}, // no limit: no Group Replication
		{[]string{"UPDATE big SET v = 1 WHERE id = 7"}, -1, nil},
		{[]string{"DELETE FROM small"}, -1, nil},
		{[]string{"ALTER TABLE big MODIFY v TEXT"}, -1, []string{"TableRewrite/error"}},
		{[]string{"ALTER TABLE small ENGINE=InnoDB"}, -1, []string{"TableRewrite/warning"}},
	}
	for _, tc := range cases {
		f := File{Name: "V1__x.sql", Version: "1"}
		for _, s := range tc.stmts {
			f.Statements = append(f.Statements, Statement{Text: s})
		}
		fc := facts
		if tc.limit >= 0 {
			fc.TransactionSizeLimit = tc.limit
		}
		var got []string
		for _, fd := range Precheck([]File{f}, nil, fc) {
			got = append(got, fd.Rule+"/"+fd.Severity)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: findings %v, want %v", tc.stmts, got, tc.want)
		}
	}
	applied := func(string, int) bool { return true }
	if got := Precheck([]File{{Name: "V1__x.sql", Version: "1", Statements: []Statement{{Text: "INSERT INTO nopk " +
		"VALUES (1)"}}}}, applied, facts); len(got) != 0 {
		t.Errorf("applied statements are checked: %+v", got)
	}
}

// TestPrecheckOnTheServer: the runner reads the schema's tables from MariaDB and refuses, before any statement,
// a migration writing rows of a table without a primary key, whatever the lint policy; adding the key first in
// the migration lets it run. MariaDB has no group_replication_transaction_size_limit: no limit.
func TestPrecheckOnTheServer(t *testing.T) {
	_, db := newSchema(t)
	for _, s := range []string{"CREATE TABLE nopk (a INT NOT NULL)", "CREATE TABLE withpk (id INT PRIMARY KEY)",
		"INSERT INTO nopk VALUES (7)"} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	facts, err := (&session{conn: conn, flavor: FlavorMariaDB}).readFacts(context.Background())
	_ = conn.Close()
	if err != nil || facts.TransactionSizeLimit != 0 || facts.Tables["nopk"].HasPrimaryKey ||
		!facts.Tables["withpk"].HasPrimaryKey || facts.Tables["nopk"].Bytes <= 0 {
		t.Fatalf("facts %+v, %v", facts, err)
	}
	bad := mustFile(t, "V1__rows.sql", "INSERT INTO withpk VALUES (1);\nINSERT INTO nopk VALUES (1);\n")
	res, err := apply(t, db, []File{bad}, 1)
	if !errors.Is(err, ErrMissingPrimaryKey) || ReasonOf(err) != "MissingPrimaryKey" || res.Executed != 0 {
		t.Fatalf("a write to a table without a primary key: %+v, %v", res, err)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM withpk"); n != 0 {
		t.Fatalf("%d rows written before the refusal", n)
	}
	fixed := mustFile(t, "V1__rows.sql", "ALTER TABLE nopk ADD PRIMARY KEY (a);\nINSERT INTO withpk VALUES (1);\n"+
		"INSERT INTO nopk VALUES (1);\n")
	if res, err = apply(t, db, []File{fixed}, 1); err != nil || res.Executed != 3 {
		t.Fatalf("with the key added first: %+v, %v", res, err)
	}
}
