package migrate

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func texts(st []Statement) []string {
	out := make([]string, len(st))
	for i, s := range st {
		out[i] = s.Text
	}
	return out
}

func TestSplit(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"two statements", "CREATE TABLE a (id INT PRIMARY KEY);\nINSERT INTO a VALUES (1);\n",
			[]string{"CREATE TABLE a (id INT PRIMARY KEY)", "INSERT INTO a VALUES (1)"}},
		{"last without delimiter", "SELECT 1;SELECT 2", []string{"SELECT 1", "SELECT 2"}},
		{"delimiters in quotes", `INSERT INTO t VALUES ('a;b', "c;d", 'it''s;', 'x\';y');SELECT ` + "`we;ird`",
			[]string{`INSERT INTO t VALUES ('a;b', "c;d", 'it''s;', 'x\';y')`, "SELECT `we;ird`"}},
		{"comments", "-- a comment; not a statement\n# another;\n/* block; */ SELECT 1; -- trailing\nSELECT 2;",
			[]string{"SELECT 1", "SELECT 2"}},
		{"double dash without a blank is minus", "SELECT 1--1;", []string{"SELECT 1--1"}},
		{"executable comment kept", "/*!50001 CREATE VIEW v AS SELECT 1 */;", []string{"/*!50001 CREATE VIEW v AS SELECT 1 */"}},
		{"comment inside kept", "SELECT /* ; */ 1;", []string{"SELECT /* ; */ 1"}},
		{"only comments", "-- nothing\n/* at all */\n", nil},
		{"empty statements", ";;  ;\n;", nil},
		{"delimiter", "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\nDELIMITER ;\nCALL p();",
			[]string{"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", "CALL p()"}},
		{"delimiter lowercase, $$", "delimiter $$\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = ';'; END$$\n",
			[]string{"CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = ';'; END"}},
		{"delimiter word inside a statement", "SELECT 1 AS\ndelimiter;", []string{"SELECT 1 AS\ndelimiter"}},
	}
	for _, c := range cases {
		got, err := Split(c.src)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(texts(got), c.want) && (len(got) != 0 || len(c.want) != 0) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, texts(got), c.want)
		}
	}
}

func TestSplitLines(t *testing.T) {
	got, err := Split("-- header\n\nCREATE TABLE a (\n  s VARCHAR(9) DEFAULT 'x\ny'\n);\n\n/* c\n */ INSERT INTO a VALUES ('z');")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Line != 3 || got[1].Line != 9 {
		t.Fatalf("lines: %+v", got)
	}
}

func TestSplitUnterminated(t *testing.T) {
	for _, src := range []string{"SELECT 'abc;", "SELECT \"a", "SELECT `a", "SELECT 1; /* open", "SELECT 'a\\'"} {
		if _, err := Split(src); !errors.Is(err, ErrUnterminated) {
			t.Errorf("%q: got %v, want ErrUnterminated", src, err)
		}
	}
}

// FuzzSplit: Split never panics; its statements are non-empty, trimmed and found in the input in order; with
// the default delimiter, splitting the statements joined again gives the same statements.
func FuzzSplit(f *testing.F) {
	// Seeds in testdata/fuzz/FuzzSplit: quotes with both escapes, the three comment styles, executable
	// comments, DELIMITER blocks, unterminated quotes.
	f.Fuzz(func(t *testing.T, src string) {
		st, err := Split(src)
		if err != nil {
			if !errors.Is(err, ErrUnterminated) {
				t.Fatalf("error %v is not ErrUnterminated", err)
			}
			return
		}
		at, redelimited := 0, false
		for _, s := range st {
			if s.Text == "" || s.Text != strings.TrimSpace(s.Text) {
				t.Fatalf("statement %q is empty or untrimmed", s.Text)
			}
			j := strings.Index(src[at:], s.Text)
			if j < 0 {
				t.Fatalf("statement %q not in the input after offset %d", s.Text, at)
			}
			at += j + len(s.Text)
			redelimited = redelimited || strings.Contains(strings.ToLower(s.Text), "delimiter")
		}
		if redelimited || strings.Contains(strings.ToLower(src), "delimiter") {
			return
		}
		joined, ok := rejoin(st)
		if !ok {
			return
		}
		again, err := Split(joined)
		if err != nil || !reflect.DeepEqual(texts(again), texts(st)) {
			t.Fatalf("split again: %q, %v; first %q", texts(again), err, texts(st))
		}
	})
}

// rejoin puts the statements back together; a newline before each delimiter ends a trailing line comment.
// ok is false when a statement ends in "--", which the newline would turn into a comment.
func rejoin(st []Statement) (string, bool) {
	var b strings.Builder
	for _, s := range st {
		if strings.HasSuffix(s.Text, "--") {
			return "", false
		}
		b.WriteString(s.Text + "\n;\n")
	}
	return b.String(), true
}
