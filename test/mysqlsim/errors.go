package mysqlsim

import (
	"errors"
	"fmt"
)

// Error is a server error as MySQL 8.4 reports it: a numeric code, a five-character SQLSTATE and the
// message text. Front-ends send it unchanged to the client (classic ERR packet, X Protocol Error).
type Error struct {
	// Code is the MySQL error number (for example 1064).
	Code uint16
	// State is the SQLSTATE (for example "42000").
	State string
	// Message is the text a real server sends.
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("Error %d (%s): %s", e.Code, e.State, e.Message)
}

// ErrMemberDown is returned by Exec when the member is crashed or restarting: a real client sees its
// connection drop, so front-ends close the connection when they get it.
var ErrMemberDown = errors.New("member is down: connection lost")

// ErrSessionClosed is returned by Exec on a session whose member restarted since it was opened.
var ErrSessionClosed = errors.New("session belongs to an earlier incarnation of the member")

// ErrInitFailed means the member's data directory could not be initialised: with InitOfficialImage
// the entrypoint's mysqld --verbose --help or --initialize-insecure aborted. The member stays down,
// and its error log says why.
var ErrInitFailed = errors.New("mysqld --initialize failed, see the member's error log")

// ErrBootFailed means mysqld aborted at startup (an unknown option, a data directory of a newer
// release series). The member stays down, and its error log says why.
var ErrBootFailed = errors.New("mysqld failed to start, see the member's error log")

func sqlErr(code uint16, state, format string, args ...any) *Error {
	return &Error{Code: code, State: state, Message: fmt.Sprintf(format, args...)}
}

// The error constructors below carry MySQL 8.4's codes, SQLSTATEs and message formats
// (share/messages_to_clients.txt of the server source).

func errParse(near string, line int) *Error {
	if len(near) > 80 {
		near = near[:80]
	}
	return sqlErr(1064, "42000", "You have an error in your SQL syntax; check the manual that corresponds to your "+
		"MySQL server version for the right syntax to use near '%s' at line %d", near, line)
}

func errUnknownSysVar(name string) *Error {
	return sqlErr(1193, "HY000", "Unknown system variable '%s'", name)
}

func errGlobalVariable(name string) *Error {
	return sqlErr(1229, "HY000", "Variable '%s' is a GLOBAL variable and should be set with SET GLOBAL", name)
}

func errLocalVariable(name string) *Error {
	return sqlErr(1228, "HY000", "Variable '%s' is a SESSION variable and can't be used with SET GLOBAL", name)
}

func errIncorrectGlobalLocal(name, what string) *Error {
	return sqlErr(1238, "HY000", "Variable '%s' is a %s variable", name, what)
}

func errWrongValueForVar(name, value string) *Error {
	return sqlErr(1231, "42000", "Variable '%s' can't be set to the value of '%s'", name, value)
}

func errWrongTypeForVar(name string) *Error {
	return sqlErr(1232, "42000", "Incorrect argument type to variable '%s'", name)
}

func errOptionPrevents(option string) *Error {
	return sqlErr(1290, "HY000", "The MySQL server is running with the %s option so it cannot execute this statement",
		option)
}

func errSpecificAccess(privs string) *Error {
	return sqlErr(1227, "42000", "Access denied; you need (at least one of) the %s privilege(s) for this operation",
		privs)
}

func errGRConfiguration() *Error {
	return sqlErr(3092, "HY000", "The server is not configured properly to be an active member of the group. "+
		"Please see more details on error log.")
}

func errGRRunning() *Error {
	return sqlErr(3093, "HY000", "The START GROUP_REPLICATION command failed since the group is already running.")
}

func errGRUserMandatory() *Error {
	return sqlErr(3971, "HY000", "The USER option must be specified when the PASSWORD option is specified.")
}

func errGRUserEmpty() *Error {
	return sqlErr(3970, "HY000", "The START GROUP_REPLICATION command failed since the username provided for the "+
		"recovery channel is empty.")
}

func errCantInitUDF(fn, msg string) *Error {
	return sqlErr(1123, "HY000", "Can't initialize function '%s'; %s", fn, msg)
}

func errCannotUser(op, user string) *Error {
	return sqlErr(1396, "HY000", "Operation %s failed for %s", op, user)
}

func errNonexistingGrant(user, host string) *Error {
	return sqlErr(1141, "42000", "There is no such grant defined for user '%s' on host '%s'", user, host)
}

func errCloneSysConfig(msg string) *Error {
	return sqlErr(3869, "HY000", "Clone system configuration: %s", msg)
}

func errCloneDonor(msg string) *Error {
	return sqlErr(3862, "HY000", "Clone Donor Error: %s", msg)
}

func errRestartNotSupervised() *Error {
	return sqlErr(3707, "HY000", "Restart server failed (mysqld is not managed by supervisor process).")
}

func errFunctionNotExist(name string) *Error {
	return sqlErr(1305, "42000", "FUNCTION %s does not exist", name)
}

func errBadField(col, where string) *Error {
	return sqlErr(1054, "42S22", "Unknown column '%s' in '%s'", col, where)
}

func errGTIDSetMalformed(s string) *Error {
	return sqlErr(1772, "HY000", "Malformed GTID set specification '%s'.", s)
}

// errUDF is ER_GRP_RPL_UDF_ERROR: a group action UDF passed its init checks but failed.
func errUDF(fn, msg string) *Error {
	return sqlErr(3910, "HY000", "The function '%s' failed. %s", fn, msg)
}

func errAccessDenied(user, host string) *Error {
	return sqlErr(1045, "28000", "Access denied for user '%s'@'%s' (using password: YES)", user, host)
}
