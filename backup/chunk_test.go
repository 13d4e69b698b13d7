package backup

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func compress(t testing.TB, s string) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeAll([]byte(s), nil)
}

func TestStatementBuilderCutsAndKeepsFinishedStatements(t *testing.T) {
	b := &stmtBuilder{prefix: insertPrefix("d", "t", []string{"a", "b"}), kinds: []valueKind{kindNumber, kindString},
		limit: 60}
	var out []string
	for i := range 6 {
		if s := b.add([][]byte{{'0' + byte(i)}, []byte("it's\n")}); s != nil {
			out = append(out, string(s)) // kept as a string: the builder reuses its buffers
		}
	}
	out = append(out, string(b.finish()))
	if len(out) < 2 {
		t.Fatalf("statements were not cut at the limit: %q", out)
	}
	joined := strings.Join(out, "")
	for i := range 6 {
		if !strings.Contains(joined, "("+string(rune('0'+i))+",'it\\'s\\n')") {
			t.Fatalf("row %d missing or damaged in %q", i, joined)
		}
	}
	n := 0
	err := eachStatement(compress(t, joined), b.prefix, func([]byte) error { n++; return nil })
	if err != nil || n != len(out) {
		t.Fatalf("read back %d statements (%v), wrote %d", n, err, len(out))
	}
}

func TestAppendValue(t *testing.T) {
	cases := []struct {
		v    []byte
		k    valueKind
		want string
	}{
		{nil, kindString, "NULL"},
		{[]byte{}, kindString, "''"},
		{[]byte{}, kindBinary, "''"},
		{[]byte{0, 0xff}, kindBinary, "0x00ff"},
		{[]byte("-1.5e10"), kindNumber, "-1.5e10"},
		{[]byte("a'b\"c\\d\x00e\nf\rg\x1ah"), kindString, `'a\'b\"c\\d\0e\nf\rg\Zh'`},
	}
	for _, c := range cases {
		if got := string(appendValue(nil, c.v, c.k)); got != c.want {
			t.Errorf("appendValue(%q, %d) = %s, want %s", c.v, c.k, got, c.want)
		}
	}
}

func TestEachStatementRefusesOtherSQL(t *testing.T) {
	prefix := insertPrefix("d", "t", []string{"a"})
	for name, body := range map[string]string{
		"other table":   insertPrefix("d", "u", []string{"a"}) + "(1);\n",
		"other columns": insertPrefix("d", "t", []string{"b"}) + "(1);\n",
		"not an insert": "DROP DATABASE d;\n",
		"no newline":    prefix + "(1);",
	} {
		err := eachStatement(compress(t, body), prefix, func([]byte) error { return nil })
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
	if err := eachStatement([]byte("not zstd"), prefix, func([]byte) error { return nil }); err == nil {
		t.Error("garbage accepted as a chunk")
	}
}

// FuzzChunkStatements feeds untrusted bytes (a chunk read from S3) to the statement reader: it must never panic,
// and every statement it hands out is an INSERT into the chunk's table.
func FuzzChunkStatements(f *testing.F) {
	prefix := insertPrefix("d", "t", []string{"a", "b"})
	f.Add(compress(f, prefix+"(1,'x');\n"+prefix+"(2,NULL),(3,0x00);\n"))
	f.Add(compress(f, "DROP TABLE x;\n"))
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd})
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = eachStatement(data, prefix, func(stmt []byte) error {
			if !bytes.HasPrefix(stmt, []byte(prefix+"(")) || !bytes.HasSuffix(stmt, []byte(")")) {
				t.Fatalf("handed out %q", stmt)
			}
			return nil
		})
	})
}
