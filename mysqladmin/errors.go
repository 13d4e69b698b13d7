package mysqladmin

import (
	"errors"

	"github.com/orca-operator/orca/xprotocol/wire"
)

var (
	// ErrAccessDenied means the server refused the account's login (ER_ACCESS_DENIED_ERROR, 1045).
	ErrAccessDenied = errors.New("access denied")
	// ErrUnreachable means the member could not be connected to.
	ErrUnreachable = errors.New("member unreachable")
	// ErrUntrusted means the member's TLS certificate did not verify (another CA, another name, expired): the
	// connection was refused before any password was sent. It comes with ErrUnreachable.
	ErrUntrusted = errors.New("member certificate not trusted")
	// ErrNotInGroup means the member lists no row for itself in replication_group_members.
	ErrNotInGroup = errors.New("member not listed in replication_group_members")
	// ErrUnexpectedResult means a query returned a shape the code does not understand.
	ErrUnexpectedResult = errors.New("unexpected result")
	// ErrRestartNeeded means CLONE INSTANCE replaced the data but mysqld could not restart itself
	// (ER_RESTART_SERVER_FAILED, 3707: no supervisor): the pod must be restarted to finish the clone.
	ErrRestartNeeded = errors.New("server restart needed to finish the clone")
	// ErrCloneUnfinished means the session running CLONE INSTANCE ended before it answered: the server keeps
	// cloning and restarts when done, so the outcome is read from performance_schema.clone_status later.
	ErrCloneUnfinished = errors.New("clone still running or restarting the server")
)

// MySQL error codes mysqladmin reacts to (MySQL 8.4 Error Reference).
const (
	codeRestartFailed = 3707 // ER_RESTART_SERVER_FAILED
	codeAccessDenied  = 1045 // ER_ACCESS_DENIED_ERROR
	codeNoSuchTable   = 1146 // ER_NO_SUCH_TABLE
)

// hasCode reports whether err is (or wraps) a server error with the given code. Runners return server
// errors as *wire.Error.
func hasCode(err error, code uint32) bool {
	var xe *wire.Error
	return errors.As(err, &xe) && xe.Code == code
}
