package mysqlsim

// ColumnType is a MySQL protocol column type (the classic protocol's type byte).
type ColumnType byte

// Column types the simulator produces.
const (
	TypeLongLong ColumnType = 0x08 // BIGINT; values are int64 or uint64
	TypeDouble   ColumnType = 0x05 // DOUBLE; values are float64
	TypeDecimal  ColumnType = 0xf6 // DECIMAL; values are strings
	TypeDateTime ColumnType = 0x0c // DATETIME; values are strings "2006-01-02 15:04:05"
	TypeDate     ColumnType = 0x0a // DATE; values are strings "2006-01-02"
	TypeTime     ColumnType = 0x0b // TIME; values are strings "-838:59:59"
	TypeVarchar  ColumnType = 0xfd // VARCHAR / TEXT; values are strings
	TypeBlob     ColumnType = 0xfc // BLOB; values are []byte
)

// Column describes one result column.
type Column struct {
	// Name is the column label (alias or expression text).
	Name string
	// Table and Schema are set for columns that come from a table.
	Table, Schema string
	// Type is the column type.
	Type ColumnType
	// Unsigned is set for unsigned integers.
	Unsigned bool
}

// Result is the outcome of one statement: a result set (Columns non-nil) or an OK.
type Result struct {
	Columns []Column
	// Rows hold nil (NULL), int64, uint64, float64, string or []byte values.
	Rows         [][]any
	AffectedRows uint64
	LastInsertID uint64
	Warnings     uint16
	// Info is the human-readable OK message ("Rows matched: 1  Changed: 1  Warnings: 0").
	Info string
}

// IsResultSet reports whether the statement returned rows (even zero rows).
func (r Result) IsResultSet() bool { return r.Columns != nil }

func textColumns(names ...string) []Column {
	cols := make([]Column, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, Type: TypeVarchar}
	}
	return cols
}
