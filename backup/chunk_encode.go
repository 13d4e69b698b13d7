package backup

import (
	"encoding/hex"
	"strings"
)

// Size limits of the chunk format.
const (
	// maxChunkObject is the largest compressed chunk restore buffers (to verify it before use).
	maxChunkObject = 256 << 20
	// maxStatement is the longest statement line restore accepts; one row longer than that cannot be restored.
	maxStatement = 64 << 20
	// DefaultStatementBytes is the size at which a multi-row INSERT is cut (well below max_allowed_packet).
	DefaultStatementBytes = 1 << 20
	// DefaultChunkBytes is the SQL size at which a chunk object is cut.
	DefaultChunkBytes = 32 << 20
)

// valueKind says how a column's text-protocol bytes become an SQL literal.
type valueKind int

const (
	kindString valueKind = iota // quoted and escaped
	kindNumber                  // written as is
	kindBinary                  // 0x hex: exact for any byte
)

func kindOf(dataType string) valueKind {
	switch strings.ToLower(dataType) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "numeric", "float", "double",
		"real", "year":
		return kindNumber
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit", "geometry", "point",
		"linestring", "polygon", "multipoint", "multilinestring", "multipolygon", "geometrycollection",
		"geomcollection":
		return kindBinary
	default:
		return kindString
	}
}

// appendValue appends v as an SQL literal; nil is NULL.
func appendValue(dst, v []byte, k valueKind) []byte {
	switch {
	case v == nil:
		return append(dst, "NULL"...)
	case k == kindNumber:
		return append(dst, v...)
	case k == kindBinary:
		if len(v) == 0 {
			return append(dst, "''"...)
		}
		dst = append(dst, "0x"...)
		return hex.AppendEncode(dst, v)
	default:
		return appendQuoted(dst, v)
	}
}

// appendQuoted escapes like mysql_real_escape_string, so the literal holds no raw newline: a statement is one
// line. Restore sessions run without NO_BACKSLASH_ESCAPES.
func appendQuoted(dst, v []byte) []byte {
	dst = append(dst, '\'')
	for _, c := range v {
		switch c {
		case 0:
			dst = append(dst, '\\', '0')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\\', '\'', '"':
			dst = append(dst, '\\', c)
		case 0x1a:
			dst = append(dst, '\\', 'Z')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '\'')
}

// quoteIdent quotes an identifier with backticks.
func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// insertPrefix is the fixed start of every statement of a table's chunks; restore refuses any other line.
func insertPrefix(db, table string, columns []string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(quoteIdent(db) + "." + quoteIdent(table) + " (")
	for i, c := range columns {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quoteIdent(c))
	}
	b.WriteString(") VALUES ")
	return b.String()
}

// stmtBuilder accumulates rows into multi-row INSERT lines of about limit bytes.
type stmtBuilder struct {
	prefix string
	kinds  []valueKind
	limit  int
	buf    []byte
	spare  []byte // the previous statement, handed out by finish and reused after
	row    []byte
	rows   int
}

// add encodes a row and returns a finished statement line when the row did not fit in the current one.
func (b *stmtBuilder) add(vals [][]byte) (flushed []byte) {
	b.row = appendRow(b.row[:0], vals, b.kinds)
	if b.rows > 0 && len(b.buf)+1+len(b.row) > b.limit {
		flushed = b.finish()
	}
	if b.rows == 0 {
		b.buf = append(b.buf[:0], b.prefix...)
	} else {
		b.buf = append(b.buf, ',')
	}
	b.buf = append(b.buf, b.row...)
	b.rows++
	return flushed
}

// lastRow is the encoding of the row add was last given, valid until the next add.
func (b *stmtBuilder) lastRow() []byte { return b.row }

// appendRow encodes one row as "(v1,v2,...)": what a chunk holds, and what its digest is computed on.
func appendRow(dst []byte, vals [][]byte, kinds []valueKind) []byte {
	dst = append(dst, '(')
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendValue(dst, v, kinds[i])
	}
	return append(dst, ')')
}

// finish returns the pending statement line (";\n"-terminated), nil when empty. The slice stays valid until
// the next statement is finished.
func (b *stmtBuilder) finish() []byte {
	if b.rows == 0 {
		return nil
	}
	b.rows = 0
	out := append(b.buf, ';', '\n')
	b.buf, b.spare = b.spare[:0], out
	return out
}
