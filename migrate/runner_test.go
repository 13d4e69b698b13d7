package migrate

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"testing"
)

const v1Schema = `-- accounts and their first rows
CREATE TABLE accounts (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL);
INSERT INTO accounts VALUES (1, 'ann; the first'), (2, 'bob''s');
`

const v2More = `ALTER TABLE accounts ADD COLUMN email VARCHAR(255) NULL;
UPDATE accounts SET email = CONCAT(id, '@example.org');
DELIMITER //
CREATE PROCEDURE touch_accounts() BEGIN UPDATE accounts SET name = name; SELECT 1; END//
DELIMITER ;
`

const v3Later = `CREATE INDEX accounts_email ON accounts (email);
INSERT INTO accounts VALUES (3, 'cy', 'cy@example.org');
`

var mariadbGTID = regexp.MustCompile(`^0-7-[0-9]+$`)

func apply(t *testing.T, db *sql.DB, files []File, token int64) (Result, error) {
	t.Helper()
	r := &Runner{DB: db, Fence: staticFence{token}, Run: t.Name()}
	return r.Apply(context.Background(), files)
}

// TestApplyResumeRerunAndDrift: a real repository over smart HTTP, cloned at exact commits, applied to MariaDB.
func TestApplyResumeRerunAndDrift(t *testing.T) {
	_, db := newSchema(t)
	repo := newGitRepo(t)
	c1 := repo.commit(t, map[string]string{"migrations/V1__schema.sql": v1Schema, "migrations/V2__more.sql": v2More,
		"README.md": "app"})
	c2 := repo.commit(t, map[string]string{"migrations/V3__later.sql": v3Later})

	files := cloneAndLoad(t, repo, c1) // main is at c2 now: the clone must still be c1's tree
	if len(files) != 2 {
		t.Fatalf("files at %s: %+v", c1, files)
	}
	res, err := apply(t, db, files, 1)
	if err != nil || res.Executed != 5 || len(res.Applied) != 2 || res.Flavor != FlavorMariaDB {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	for _, a := range res.Applied {
		if !mariadbGTID.MatchString(a.GTIDAfter) || len(a.Checksum) != 64 {
			t.Errorf("applied %+v: want a MariaDB GTID position and a checksum", a)
		}
	}
	again, err := apply(t, db, files, 1)
	if err != nil || again.Executed != 0 || again.Applied[1].GTIDAfter != res.Applied[1].GTIDAfter {
		t.Fatalf("re-run: %+v, %v (first %+v)", again, err, res)
	}
	res, err = apply(t, db, cloneAndLoad(t, repo, c2), 1)
	if err != nil || res.Executed != 2 || len(res.Applied) != 3 {
		t.Fatalf("V3 at %s: %+v, %v", c2, res, err)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM accounts WHERE email IS NOT NULL"); n != 3 {
		t.Errorf("%d accounts with an email, want 3", n)
	}

	c3 := repo.commit(t, map[string]string{"migrations/V1__schema.sql": v1Schema + "-- edited after it ran\n"})
	res, err = apply(t, db, cloneAndLoad(t, repo, c3), 1)
	if !errors.Is(err, ErrChecksumMismatch) || res.Executed != 0 {
		t.Fatalf("changed V1: %+v, %v; want ErrChecksumMismatch and nothing run", res, err)
	}
	c4 := repo.commit(t, map[string]string{"migrations/V1__schema.sql": v1Schema, "migrations/V2__more.sql": ""})
	if _, err := apply(t, db, cloneAndLoad(t, repo, c4), 1); !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("V2 removed after it ran: %v", err)
	}
	c5 := repo.commit(t, map[string]string{"migrations/V2__more.sql": v2More, "migrations/V2_5__late.sql": "SELECT 1;"})
	if _, err := apply(t, db, cloneAndLoad(t, repo, c5), 1); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("V2.5 after V3 ran: %v", err)
	}
}

// TestFailureMidFileThenResume: the failing statement stops the run with its file, index and MySQL's error;
// fixing it resumes at that statement, while a change to a statement already applied is refused.
func TestFailureMidFileThenResume(t *testing.T) {
	_, db := newSchema(t)
	broken := "CREATE TABLE t (id INT PRIMARY KEY);\nINSERT INTO t VALUES (1);\nINSERT INTO missing VALUES (2);\n" +
		"INSERT INTO t VALUES (3);\n"
	files := []File{mustFile(t, "V1__t.sql", broken)}
	res, err := apply(t, db, files, 1)
	if !errors.Is(err, ErrStatement) || res.Failure == nil || res.Failure.Index != 2 ||
		res.Failure.File != "V1__t.sql" || !strings.Contains(res.Failure.Error, "1146") ||
		res.Failure.Statement != "INSERT INTO missing VALUES (2)" {
		t.Fatalf("broken V1: %+v %+v, %v", res, res.Failure, err)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM t"); n != 1 {
		t.Fatalf("%d rows after the failure, want 1", n)
	}
	edited := strings.Replace(broken, "INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (9)", 1)
	if _, err := apply(t, db, []File{mustFile(t, "V1__t.sql", edited)}, 1); !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("an applied statement edited: %v", err)
	}
	fixed := strings.Replace(broken, "INSERT INTO missing", "INSERT INTO t", 1)
	res, err = apply(t, db, []File{mustFile(t, "V1__t.sql", fixed)}, 1)
	if err != nil || res.Executed != 2 {
		t.Fatalf("fixed V1: %+v, %v", res, err)
	}
	if n := queryInt(t, db, "SELECT SUM(id) FROM t"); n != 6 {
		t.Fatalf("sum of ids %d, want 1+2+3", n)
	}
}

// TestInterruptedDDLIsResolved: a DDL whose pending row survived its runner (the DDL ran, the runner died
// before marking it) is taken as applied when MySQL says it exists; a pending DDL that never ran is run.
func TestInterruptedDDLIsResolved(t *testing.T) {
	_, db := newSchema(t)
	files := []File{mustFile(t, "V1__ddl.sql", "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (id INT PRIMARY KEY);\n")}
	if _, err := apply(t, db, []File{mustFile(t, "V0__init.sql", "SELECT 1;")}, 1); err != nil {
		t.Fatal(err) // creates the history tables
	}
	for i, ran := range []bool{true, false} {
		if _, err := db.Exec(insertHistory, historyArgs(files[0], i, "pending", "dead runner", 1)...); err != nil {
			t.Fatal(err)
		}
		if ran {
			if _, err := db.Exec(files[0].Statements[i].Text); err != nil {
				t.Fatal(err)
			}
		}
	}
	files = append([]File{mustFile(t, "V0__init.sql", "SELECT 1;")}, files...)
	res, err := apply(t, db, files, 1)
	if err != nil || res.Executed != 2 {
		t.Fatalf("resolve: %+v, %v", res, err)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM "+HistoryTable+" WHERE state = 'applied'"); n != 3 {
		t.Fatalf("%d applied rows, want 3", n)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() "+
		"AND table_name IN ('a', 'b')"); n != 2 {
		t.Fatalf("%d of tables a and b", n)
	}
}

// TestFencingToken: a runner with an older token than the stored one is refused before any statement, and a
// runner whose token is superseded mid-run stops before its next statement.
func TestFencingToken(t *testing.T) {
	_, db := newSchema(t)
	files := []File{mustFile(t, "V1__a.sql", "CREATE TABLE a (id INT PRIMARY KEY);\nINSERT INTO a VALUES (1);\n"+
		"INSERT INTO a VALUES (2);\n")}
	if _, err := apply(t, db, files[:0], 5); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(t, db, files, 4); !errors.Is(err, ErrLockLost) {
		t.Fatalf("token 4 after 5: %v", err)
	}
	r := &Runner{DB: db, Fence: staticFence{5}, BeforeStatement: func(_ File, i int) {
		if i == 1 { // a newer holder raises the fence while this runner is between statements
			if _, err := db.Exec("UPDATE " + LockTable + " SET fencing_token = 6"); err != nil {
				t.Error(err)
			}
		}
	}}
	res, err := r.Apply(context.Background(), files)
	if !errors.Is(err, ErrLockLost) || res.Executed != 1 {
		t.Fatalf("superseded: %+v, %v", res, err)
	}
	if n := queryInt(t, db, "SELECT COUNT(*) FROM a"); n != 0 {
		t.Fatalf("%d rows written after the fence moved, want 0", n)
	}
}

func mustFile(t *testing.T, name, content string) File {
	t.Helper()
	f, err := loadFile(mapFS(name, content), name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestLintPolicy: under block a lint error refuses the run before any statement; under warn the run applies
// and reports the findings.
func TestLintPolicy(t *testing.T) {
	_, db := newSchema(t)
	files := []File{mustFile(t, "V1__logs.sql", "CREATE TABLE logs (msg TEXT);\nINSERT INTO logs VALUES ('a');\n")}
	r := &Runner{DB: db, Fence: staticFence{1}, LintPolicy: "block"}
	res, err := r.Apply(context.Background(), files)
	if !errors.Is(err, ErrLintBlocked) || res.Executed != 0 || len(res.Lint) != 1 ||
		res.Lint[0].Rule != RuleMissingPrimaryKey || ReasonOf(err) != "LintFindings" {
		t.Fatalf("block: %+v, %v", res, err)
	}
	r.LintPolicy = "warn"
	res, err = r.Apply(context.Background(), files)
	if err != nil || res.Executed != 2 || len(res.Lint) != 1 {
		t.Fatalf("warn: %+v, %v", res, err)
	}
	if res, err = r.Apply(context.Background(), files); err != nil || len(res.Lint) != 0 {
		t.Fatalf("re-run lints only what is left to apply: %+v, %v", res, err)
	}
}
