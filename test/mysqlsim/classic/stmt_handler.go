package classic

import "context"

// Preparer answers COM_STMT_PREPARE: it turns a statement text into a Stmt the connection executes later
// with COM_STMT_EXECUTE, as often as the client wants, with binary parameter values. It is called on the
// connection's goroutine, like Handler.
//
// A returned *SQLError is sent as the ERR packet (a syntax error, an unknown table); any other error becomes
// 1105 (HY000). The package has already refused an empty text (1065) and the statement limit (1461).
type Preparer interface {
	Prepare(ctx context.Context, c *Conn, sql string) (Stmt, error)
}

// PreparerFunc adapts a function to Preparer.
type PreparerFunc func(ctx context.Context, c *Conn, sql string) (Stmt, error)

// Prepare calls f.
func (f PreparerFunc) Prepare(ctx context.Context, c *Conn, sql string) (Stmt, error) {
	return f(ctx, c, sql)
}

// Stmt is one prepared statement of one connection. The package owns the statement id, the parameter types
// the client bound, the data of COM_STMT_SEND_LONG_DATA and the binary encoding; the Stmt only runs.
type Stmt interface {
	// NumParams is the number of ? placeholders. Execute always gets exactly that many arguments.
	NumParams() int
	// Columns describes the result set announced in COM_STMT_PREPARE_OK. nil announces none: either the
	// statement returns no rows, or its shape is only known when it runs. mysqld does the latter for SHOW
	// and CALL, and clients take the column definitions each execution sends anyway.
	Columns() []Column
	// Execute runs the statement. args holds one value per placeholder, decoded from the binary protocol:
	// nil (NULL); int64, or uint64 when the client flagged the type unsigned (TINY to LONGLONG, YEAR);
	// float32 (FLOAT); float64 (DOUBLE); time.Time in UTC (DATE, DATETIME, TIMESTAMP), or MySQL's text for
	// a date time.Time cannot hold ("0000-00-00 00:00:00", "2024-02-30"); time.Duration (TIME), or its
	// text beyond 838 hours; []byte (BLOB types, BIT, GEOMETRY, and any parameter sent with
	// COM_STMT_SEND_LONG_DATA); string (everything else: CHAR, VARCHAR, DECIMAL, JSON, ENUM, SET). Results
	// and errors are sent as for Handler.Query, result set rows in the binary format
	// (ProtocolBinary::ResultsetRow).
	Execute(ctx context.Context, c *Conn, args []any) ([]*Result, error)
	// Close releases the statement. The package calls it once: on COM_STMT_CLOSE, COM_RESET_CONNECTION,
	// COM_CHANGE_USER, or when the connection ends.
	Close() error
}
