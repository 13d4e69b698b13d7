package classic

import (
	"errors"
	"fmt"
)

// SQLError is a MySQL error sent to the client as an ERR packet. A Handler returns one to fail a statement;
// the connection stays usable.
type SQLError struct {
	// Code is the MySQL error number, e.g. 1045.
	Code uint16
	// State is the five-character SQLSTATE, e.g. "28000". Empty means "HY000".
	State string
	// Message is the human-readable text.
	Message string
}

// Error implements error in the mysql client's format.
func (e *SQLError) Error() string {
	return fmt.Sprintf("ERROR %d (%s): %s", e.Code, e.sqlState(), e.Message)
}

func (e *SQLError) sqlState() string {
	if len(e.State) != 5 {
		return "HY000"
	}
	return e.State
}

// NewSQLError builds a SQLError with a formatted message.
func NewSQLError(code uint16, state, format string, args ...any) *SQLError {
	return &SQLError{Code: code, State: state, Message: fmt.Sprintf(format, args...)}
}

// MySQL error numbers the package itself sends, exported so handlers can send the same ones.
const (
	ErCannotConnect      uint16 = 1040 // ER_CON_COUNT_ERROR "Too many connections"
	ErHandshake          uint16 = 1043 // ER_HANDSHAKE_ERROR "Bad handshake"
	ErAccessDenied       uint16 = 1045 // ER_ACCESS_DENIED_ERROR
	ErUnknownCommand     uint16 = 1047 // ER_UNKNOWN_COM_ERROR "Unknown command"
	ErNoDB               uint16 = 1046 // ER_NO_DB_ERROR "No database selected"
	ErBadDB              uint16 = 1049 // ER_BAD_DB_ERROR "Unknown database '%s'"
	ErEmptyQuery         uint16 = 1065 // ER_EMPTY_QUERY "Query was empty"
	ErUnknown            uint16 = 1105 // ER_UNKNOWN_ERROR
	ErNetPacketTooLarge  uint16 = 1153 // ER_NET_PACKET_TOO_LARGE
	ErNetPacketsOutOfOrd uint16 = 1156 // ER_NET_PACKETS_OUT_OF_ORDER
	ErWrongArguments     uint16 = 1210 // ER_WRONG_ARGUMENTS "Incorrect arguments to %s"
	ErUnknownStmtHandler uint16 = 1243 // ER_UNKNOWN_STMT_HANDLER
	ErNotSupportedAuth   uint16 = 1251 // ER_NOT_SUPPORTED_AUTH_MODE
	ErStmtNoOpenCursor   uint16 = 1421 // ER_STMT_HAS_NO_OPEN_CURSOR
	ErMaxPreparedStmts   uint16 = 1461 // ER_MAX_PREPARED_STMT_COUNT_REACHED
	ErMalformedPacket    uint16 = 1835 // ER_MALFORMED_PACKET "Malformed communication packet."
	// ErSecureTransportRequired is ER_SECURE_TRANSPORT_REQUIRED: a connection without TLS while
	// require_secure_transport=ON.
	ErSecureTransportRequired uint16 = 3159
)

// accessDenied is the error mysqld sends for a wrong password and, so as not to reveal accounts,
// for an unknown user too.
func accessDenied(user, host string, usedPassword bool) *SQLError {
	yes := "NO"
	if usedPassword {
		yes = "YES"
	}
	return NewSQLError(ErAccessDenied, "28000", "Access denied for user '%s'@'%s' (using password: %s)",
		user, host, yes)
}

// toSQLError turns any handler error into what goes on the wire.
func toSQLError(err error) *SQLError {
	var se *SQLError
	if errors.As(err, &se) {
		return se
	}
	return &SQLError{Code: ErUnknown, State: "HY000", Message: err.Error()}
}

// errPayload encodes an ERR packet (protocol 4.1 form, with SQLSTATE).
func errPayload(e *SQLError) []byte {
	b := make([]byte, 0, 9+len(e.Message))
	b = append(b, 0xff, byte(e.Code), byte(e.Code>>8), '#')
	b = append(b, e.sqlState()...)
	return append(b, e.Message...)
}
