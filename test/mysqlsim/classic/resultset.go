package classic

import "fmt"

// Column definition flags (*_FLAG).
const (
	flagNotNull  uint16 = 1
	flagBlob     uint16 = 16
	flagUnsigned uint16 = 32
	flagBinary   uint16 = 128
	flagNum      uint16 = 32768
)

// notFixedDec is the decimals value mysqld sends for floating-point and dynamic columns.
const notFixedDec = 0x1f

// columnDef is a Column with everything the wire needs resolved.
type columnDef struct {
	Column
	charset  uint16
	length   uint32
	flags    uint16
	decimals uint8
}

// writeResults sends a Handler's answer: each result, then err as ERR, or a plain OK when both are empty.
func (c *Conn) writeResults(results []*Result, err error) {
	c.sendResults(results, err, c.writeResultSet)
}

// sendResults sends results with writeSet writing the result sets (text or binary rows).
// Results are checked before anything is written so a malformed one cannot leave a half-sent result set.
func (c *Conn) sendResults(results []*Result, err error, writeSet func(*Result, StatusFlag)) {
	for i, r := range results {
		if bad := checkResult(r); bad != nil {
			results, err = results[:i], bad
			break
		}
	}
	if len(results) == 0 && err == nil {
		c.writeOK(0, 0, 0, "")
		return
	}
	for i, r := range results {
		status := c.Status()
		if i < len(results)-1 || err != nil {
			status |= statusMoreResults
		}
		if r.Columns == nil {
			c.write(c.okPayload(0x00, r.AffectedRows, r.LastInsertID, status, r.Warnings, r.Info))
			continue
		}
		writeSet(r, status)
	}
	if err != nil {
		c.writeErr(toSQLError(err))
	}
}

// checkResult rejects results the wire cannot carry.
func checkResult(r *Result) error {
	if r == nil {
		return NewSQLError(ErUnknown, "HY000", "internal error: nil result")
	}
	if r.Columns != nil && len(r.Columns) == 0 {
		return NewSQLError(ErUnknown, "HY000", "internal error: result set without columns")
	}
	for i, row := range r.Rows {
		if len(row) != len(r.Columns) {
			return NewSQLError(ErUnknown, "HY000", "internal error: row %d has %d values for %d columns",
				i, len(row), len(r.Columns))
		}
	}
	return nil
}

// writeResultSet sends a text-protocol result set.
func (c *Conn) writeResultSet(r *Result, status StatusFlag) {
	defs := resolveColumns(r)
	c.write(appendLenEncInt(nil, uint64(len(defs))))
	for i := range defs {
		c.write(defs[i].encode())
	}
	if !c.hasCap(capDeprecateEOF) {
		c.writeEOF(c.Status(), 0)
	}
	var row []byte
	for _, values := range r.Rows {
		row = row[:0]
		for i, v := range values {
			row = appendTextValue(row, v, defs[i].Type, defs[i].decimals)
		}
		c.write(row)
	}
	c.writeEOF(status, r.Warnings)
}

// encode builds a Protocol::ColumnDefinition41.
func (d *columnDef) encode() []byte {
	b := make([]byte, 0, 48+len(d.Name)*2)
	b = appendLenEncString(b, "def")
	b = appendLenEncString(b, d.Schema)
	b = appendLenEncString(b, d.Table)
	b = appendLenEncString(b, d.Table)
	b = appendLenEncString(b, d.Name)
	b = appendLenEncString(b, d.Name)
	b = append(b, 0x0c, byte(d.charset), byte(d.charset>>8))
	b = append(b, byte(d.length), byte(d.length>>8), byte(d.length>>16), byte(d.length>>24))
	b = append(b, byte(d.Type), byte(d.flags), byte(d.flags>>8), d.decimals, 0, 0)
	return b
}

// resolveColumns fills in types, charsets, lengths and flags from the declared columns and the row values.
func resolveColumns(r *Result) []columnDef {
	defs := make([]columnDef, len(r.Columns))
	for i, col := range r.Columns {
		sample, hasNull, width := scanColumn(r.Rows, i)
		d := columnDef{Column: col}
		if d.Type == TypeAuto {
			d.Type, d.Unsigned = inferType(sample, d.Unsigned)
		}
		_, isBytes := sample.([]byte)
		d.charset, d.length, d.decimals = typeMetrics(d.Type, isBytes, width, fractionDigits(r.Rows, i))
		d.flags = typeFlags(d.Type, d.charset, d.Unsigned)
		if !hasNull {
			d.flags |= flagNotNull
		}
		defs[i] = d
	}
	return defs
}

// scanColumn returns the first non-NULL value of column i, whether any value is NULL, and the widest
// text form.
func scanColumn(rows [][]any, i int) (sample any, hasNull bool, width int) {
	for _, row := range rows {
		v := normalize(row[i])
		if v == nil {
			hasNull = true
			continue
		}
		if sample == nil {
			sample = v
		}
		width = max(width, len(formatValue(v, TypeAuto, 0)))
	}
	return sample, hasNull, width
}

// typeMetrics returns the collation, display length and decimals mysqld would report for a column whose
// values show frac fractional-second digits.
func typeMetrics(t ColumnType, isBytes bool, width int, frac uint8) (charset uint16, length uint32, dec uint8) {
	switch t {
	case TypeTiny:
		return charsetBinary, 1, 0
	case TypeShort, TypeLong, TypeInt24, TypeLongLong, TypeYear, TypeBit:
		return charsetBinary, uint32(max(width, 20)), 0
	case TypeFloat, TypeDouble:
		return charsetBinary, 22, notFixedDec
	case TypeDecimal:
		return charsetBinary, uint32(max(width, 10)), notFixedDec
	case TypeDate:
		return charsetBinary, 10, 0
	case TypeDatetime, TypeTimestamp:
		if frac == 0 {
			return charsetBinary, 19, 0
		}
		return charsetBinary, 20 + uint32(frac), frac
	case TypeTime:
		return charsetBinary, uint32(max(width, 10)), frac
	case TypeNull:
		return charsetBinary, 0, 0
	}
	if isBytes {
		return charsetBinary, uint32(max(width, 1)), 0
	}
	return charsetUTF8MB4, uint32(max(width, 1)) * 4, 0
}

func typeFlags(t ColumnType, charset uint16, unsigned bool) uint16 {
	var f uint16
	switch t {
	case TypeTiny, TypeShort, TypeLong, TypeInt24, TypeLongLong, TypeYear, TypeFloat, TypeDouble, TypeDecimal:
		f |= flagNum
	case TypeBlob:
		f |= flagBlob
	}
	if unsigned {
		f |= flagUnsigned
	}
	if charset == charsetBinary && t != TypeNull {
		f |= flagBinary
	}
	return f
}

// String describes the column type for test failures and logs.
func (t ColumnType) String() string {
	return fmt.Sprintf("ColumnType(0x%02x)", uint8(t))
}
