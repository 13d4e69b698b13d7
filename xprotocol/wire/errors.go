package wire

import (
	"fmt"
)

// Severity of an Error message.
type Severity uint8

// Error severities: ERROR leaves the session usable, FATAL means the server closes it.
const (
	SeverityError Severity = 0
	SeverityFatal Severity = 1
)

// Error is a Mysqlx.Error message. It is both the wire message and the Go error returned by the client;
// a server Handler returns one to send it to the client (the session stays open unless Severity is FATAL).
type Error struct {
	Severity Severity
	Code     uint32
	SQLState string
	Msg      string
}

// Error formats the error like the mysql client does.
func (e *Error) Error() string {
	return fmt.Sprintf("ERROR %d (%s): %s", e.Code, e.SQLState, e.Msg)
}

// MessageType implements Message (server -> client).
func (e *Error) MessageType() uint8 { return ServerError }

// AppendPayload implements Message.
func (e *Error) AppendPayload(b []byte) []byte {
	if e.Severity != SeverityError {
		b = appendVarintField(b, 1, uint64(e.Severity))
	}
	b = appendVarintField(b, 2, uint64(e.Code))
	b = appendStringField(b, 3, e.Msg)
	return appendStringField(b, 4, e.SQLState)
}

// Unmarshal decodes an Error payload.
func (e *Error) Unmarshal(b []byte) error {
	*e = Error{}
	var seen uint8
	r := newFieldReader(b)
	for r.next() {
		switch r.num {
		case 1:
			e.Severity = Severity(r.varint())
		case 2:
			e.Code = uint32(r.varint())
			seen |= 1
		case 3:
			e.Msg = string(r.bytes())
			seen |= 2
		case 4:
			e.SQLState = string(r.bytes())
			seen |= 4
		}
	}
	if r.err != nil {
		return r.err
	}
	if seen&1 == 0 {
		return missing("Error", "code")
	}
	return nil
}

// NewError returns a non-fatal Error with the given code, SQL state and formatted message.
func NewError(code uint32, sqlState, format string, args ...any) *Error {
	return &Error{Code: code, SQLState: sqlState, Msg: fmt.Sprintf(format, args...)}
}

// MySQL error codes used by the server side and recognised by the client.
const (
	ErCodeAccessDenied         = 1045 // ER_ACCESS_DENIED_ERROR, SQLSTATE 28000
	ErCodeUnknownCom           = 1047 // ER_UNKNOWN_COM_ERROR, SQLSTATE 08S01
	ErCodeServerShutdown       = 1053 // ER_SERVER_SHUTDOWN, SQLSTATE 08S01
	ErCodeUnknownError         = 1105 // ER_UNKNOWN_ERROR, SQLSTATE HY000
	ErCodeNotSupportedAuthMode = 1251 // ER_NOT_SUPPORTED_AUTH_MODE, SQLSTATE 08004
	ErCodeIOReadError          = 1810 // ER_IO_READ_ERROR, SQLSTATE HY000
	ErCodeSessionWasKilled     = 3169 // ER_SESSION_WAS_KILLED, SQLSTATE HY000
	ErCodeXBadMessage          = 5000 // ER_X_BAD_MESSAGE, SQLSTATE HY000
	ErCodeXCapabilitiesPrepare = 5001 // ER_X_CAPABILITIES_PREPARE_FAILED, SQLSTATE HY000
	ErCodeXCapabilityNotFound  = 5002 // ER_X_CAPABILITY_NOT_FOUND, SQLSTATE HY000
	ErCodeXCmdNumArguments     = 5015 // ER_X_CMD_NUM_ARGUMENTS, SQLSTATE HY000
	ErCodeXCmdArgumentType     = 5016 // ER_X_CMD_ARGUMENT_TYPE, SQLSTATE HY000
	ErCodeXInvalidAdminCommand = 5157 // ER_X_INVALID_ADMIN_COMMAND, SQLSTATE HY000
	ErCodeXInvalidNamespace    = 5162 // ER_X_INVALID_NAMESPACE, SQLSTATE HY000
	ErCodeXBadNotice           = 5163 // ER_X_BAD_NOTICE, SQLSTATE HY000
)
