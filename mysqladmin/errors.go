package mysqladmin

import "errors"

var (
	// ErrUnreachable means the member could not be connected to.
	ErrUnreachable = errors.New("member unreachable")
	// ErrNotInGroup means the member lists no row for itself in replication_group_members.
	ErrNotInGroup = errors.New("member not listed in replication_group_members")
	// ErrUnexpectedResult means a query returned a shape the code does not understand.
	ErrUnexpectedResult = errors.New("unexpected result")
)
