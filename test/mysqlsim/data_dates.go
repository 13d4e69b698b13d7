package mysqlsim

import (
	"database/sql"
	"strings"
	"time"
)

// dateText undoes the data store driver's parseTime: with it, DATE, DATETIME and TIMESTAMP values arrive
// as time.Time, which database/sql prints in RFC 3339. They are put back in MySQL's text, with the
// column's fractional digits; the driver's zero time stands for MySQL's zero date. Other values pass.
func dateText(t *sql.ColumnType, b sql.RawBytes) sql.RawBytes {
	name := strings.ToUpper(t.DatabaseTypeName())
	if b == nil || (name != "DATE" && name != "DATETIME" && name != "TIMESTAMP") {
		return b
	}
	ts, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return b // already MySQL's text: the driver runs without parseTime
	}
	layout := "2006-01-02"
	if name != "DATE" {
		layout += " 15:04:05"
		if _, fsp, ok := t.DecimalSize(); ok && fsp > 0 && fsp <= 6 {
			layout += "." + strings.Repeat("0", int(fsp))
		}
	}
	if ts.Equal(time.Time{}) {
		return sql.RawBytes(strings.Map(zeroDigit, layout))
	}
	return sql.RawBytes(ts.Format(layout))
}

// zeroDigit turns a layout into the zero date of that shape: every digit 0, separators kept.
func zeroDigit(r rune) rune {
	if r >= '0' && r <= '9' {
		return '0'
	}
	return r
}
