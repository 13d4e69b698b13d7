package classic

import "context"

// Handler answers the statements of COM_QUERY. It is called on the connection's goroutine, one query at a time.
//
// Each Result becomes one result set (Columns set) or one OK packet (Columns nil); several results are sent
// as a multi-result response. A non-nil error is sent as an ERR packet after the results returned with it,
// as mysqld does when a statement in a multi-statement query fails. A *SQLError keeps its code and SQLSTATE;
// any other error becomes 1105 (HY000). The connection stays usable either way. Returning no results and no
// error sends a plain OK.
//
// ctx is cancelled when the connection is closed or killed, or dropped by a Shutdown whose context ended.
type Handler interface {
	Query(ctx context.Context, c *Conn, sql string) ([]*Result, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, c *Conn, sql string) ([]*Result, error)

// Query calls f.
func (f HandlerFunc) Query(ctx context.Context, c *Conn, sql string) ([]*Result, error) {
	return f(ctx, c, sql)
}

// Result is the outcome of one statement.
type Result struct {
	// Columns describes a result set; nil means the statement returns an OK packet instead.
	Columns []Column
	// Rows holds the row values in column order. nil is SQL NULL. Supported values: string, []byte,
	// all int and uint kinds, float32, float64, bool, time.Time, time.Duration, *string (nil is NULL)
	// and fmt.Stringer; anything else is formatted with fmt.Sprint.
	Rows [][]any
	// AffectedRows is reported in the OK packet.
	AffectedRows uint64
	// LastInsertID is reported in the OK packet.
	LastInsertID uint64
	// Warnings is the warning count reported in the OK or end-of-rows packet.
	Warnings uint16
	// Info is the human-readable text of an OK packet, e.g. "Rows matched: 1  Changed: 1  Warnings: 0".
	Info string
}

// Column describes one column of a result set.
type Column struct {
	// Name is the column label.
	Name string
	// Type is the MySQL column type. TypeAuto (zero) infers it from the first non-NULL value in Rows:
	// integers are BIGINT, floats DOUBLE, bool TINYINT, time.Time DATETIME, time.Duration TIME,
	// []byte BLOB and everything else VARCHAR; a column of only NULLs is type NULL.
	Type ColumnType
	// Schema and Table name where the column comes from; empty for expressions.
	Schema, Table string
	// Unsigned marks an integer column UNSIGNED. Unsigned Go integers set it automatically.
	Unsigned bool
}

// ColumnType is a MySQL field type (enum_field_types).
type ColumnType uint8

// Column types. TypeAuto is the zero value and stands in for the legacy MYSQL_TYPE_DECIMAL (0x00), which
// mysqld no longer sends: it asks for inference from the row values.
const (
	TypeAuto      ColumnType = 0x00
	TypeDecimal   ColumnType = 0xf6 // MYSQL_TYPE_NEWDECIMAL
	TypeTiny      ColumnType = 0x01
	TypeShort     ColumnType = 0x02
	TypeLong      ColumnType = 0x03
	TypeFloat     ColumnType = 0x04
	TypeDouble    ColumnType = 0x05
	TypeNull      ColumnType = 0x06
	TypeTimestamp ColumnType = 0x07
	TypeLongLong  ColumnType = 0x08
	TypeInt24     ColumnType = 0x09
	TypeDate      ColumnType = 0x0a
	TypeTime      ColumnType = 0x0b
	TypeDatetime  ColumnType = 0x0c
	TypeYear      ColumnType = 0x0d
	TypeVarChar   ColumnType = 0x0f
	TypeBit       ColumnType = 0x10
	TypeJSON      ColumnType = 0xf5
	TypeEnum      ColumnType = 0xf7
	TypeSet       ColumnType = 0xf8
	TypeBlob      ColumnType = 0xfc
	TypeVarString ColumnType = 0xfd
	TypeString    ColumnType = 0xfe
)

// StatusFlag is a bit of the server status reported in OK and EOF packets.
type StatusFlag uint16

// Server status flags a Handler may set on a connection with Conn.SetStatus.
const (
	// StatusInTrans says a transaction is open.
	StatusInTrans StatusFlag = 0x0001
	// StatusAutocommit says autocommit is on. New connections start with it set.
	StatusAutocommit StatusFlag = 0x0002
	// statusMoreResults is managed by the package for multi-result responses.
	statusMoreResults StatusFlag = 0x0008
	// StatusInTransReadonly says the open transaction is read-only.
	StatusInTransReadonly StatusFlag = 0x2000
)
