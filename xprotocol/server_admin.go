package xprotocol

import (
	"slices"
)

// fixedNotices are always on and listed by list_notices after the toggleable ones.
var fixedNotices = []string{"account_expired", "generated_insert_id", "rows_affected", "produced_message"}

// admin executes a "mysqlx" namespace command.
func (s *ServerSession) admin(cmd string, args []Any) (bool, error) {
	var xerr *Error
	switch cmd {
	case "ping":
		xerr = wantArgs(cmd, args, 0)
		if xerr == nil {
			return false, s.send(true, msgStmtExecuteOk)
		}
	case "list_notices":
		xerr = wantArgs(cmd, args, 0)
		if xerr == nil {
			return false, s.listNotices()
		}
	case "enable_notices", "disable_notices":
		xerr = s.toggleNotices(args, cmd == "enable_notices")
		if xerr == nil {
			return false, s.send(true, msgStmtExecuteOk)
		}
	case "kill_client":
		xerr = s.killClient(args)
		if xerr == nil {
			return false, s.send(true, msgStmtExecuteOk)
		}
	case "list_clients":
		xerr = wantArgs(cmd, args, 0)
		if xerr == nil {
			return false, s.listClients()
		}
	default:
		xerr = NewError(ErCodeXInvalidAdminCommand, "HY000", "Invalid mysqlx command %s", cmd)
	}
	return false, s.send(true, xerr)
}

func wantArgs(cmd string, args []Any, n int) *Error {
	if len(args) != n {
		return NewError(ErCodeXCmdNumArguments, "HY000",
			"Invalid number of arguments, expected %d but got %d", n, len(args))
	}
	return nil
}

func (s *ServerSession) listNotices() error {
	w := &resultWriter{s: s}
	_ = w.WriteColumns(
		ColumnMetaData{Type: ColumnBytes, Name: "notice", Collation: CollationUTF8MB4Ai0900},
		ColumnMetaData{Type: ColumnSint, Name: "enabled", Length: 1})
	s.mu.Lock()
	enabled := make([]bool, len(ToggleableNotices))
	for i, n := range ToggleableNotices {
		enabled[i] = s.notices[n]
	}
	s.mu.Unlock()
	for i, n := range ToggleableNotices {
		_ = w.WriteRow(n, enabled[i])
	}
	for _, n := range fixedNotices {
		_ = w.WriteRow(n, true)
	}
	if w.err != nil {
		return w.err
	}
	return s.send(true, msgFetchDone, msgStmtExecuteOk)
}

// noticeNames reads the notice list: {"notice": ["name", ...]} (MySQL 8) or plain strings (5.7 style).
func noticeNames(args []Any) ([]string, *Error) {
	var items []Any
	switch {
	case len(args) == 1 && args[0].Type == AnyObject:
		v, ok := args[0].Field("notice")
		if !ok {
			return nil, errNoticeArgumentType()
		}
		items = v.Array
		if v.Type == AnyScalar {
			items = []Any{v}
		}
	default:
		items = args
	}
	if len(items) == 0 {
		return nil, NewError(ErCodeXCmdNumArguments, "HY000", "Invalid number of arguments, expected at least 1")
	}
	names := make([]string, 0, len(items))
	for _, it := range items {
		name, ok := it.Text()
		if !ok {
			return nil, errNoticeArgumentType()
		}
		names = append(names, name)
	}
	return names, nil
}

func (s *ServerSession) toggleNotices(args []Any, on bool) *Error {
	names, xerr := noticeNames(args)
	if xerr != nil {
		return xerr
	}
	for _, n := range names {
		switch {
		case slices.Contains(ToggleableNotices, n):
		case slices.Contains(fixedNotices, n):
			if !on {
				return NewError(5164, "HY000", "Cannot disable notice %s", n)
			}
		default:
			return NewError(ErCodeXBadNotice, "HY000", "Invalid notice name %s", n)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if slices.Contains(ToggleableNotices, n) {
			s.notices[n] = on
		}
	}
	return nil
}

func (s *ServerSession) killClient(args []Any) *Error {
	if len(args) != 1 {
		return wantArgs("kill_client", args, 1)
	}
	v := args[0]
	if f, ok := v.Field("id"); ok {
		v = f
	}
	id, ok := v.AsUint()
	if !ok {
		return NewError(ErCodeXCmdArgumentType, "HY000", "Invalid type of argument 'id', expected unsigned int")
	}
	victim, found := s.srv.Session(id)
	if !found || !victim.Authenticated() {
		return NewError(1094, "HY000", "Unknown thread id: %d", id)
	}
	if victim == s {
		return NewError(ErCodeSessionWasKilled, "HY000", "Query execution was interrupted")
	}
	victim.Close()
	return nil
}

func (s *ServerSession) listClients() error {
	w := &resultWriter{s: s}
	_ = w.WriteColumns(
		ColumnMetaData{Type: ColumnUint, Name: "client_id"},
		ColumnMetaData{Type: ColumnBytes, Name: "user", Collation: CollationUTF8MB4Ai0900},
		ColumnMetaData{Type: ColumnBytes, Name: "host", Collation: CollationUTF8MB4Ai0900},
		ColumnMetaData{Type: ColumnUint, Name: "sql_session"})
	sessions := s.srv.Sessions()
	slices.SortFunc(sessions, func(a, b *ServerSession) int { return int(a.id) - int(b.id) })
	for _, c := range sessions {
		if c.Authenticated() {
			_ = w.WriteRow(c.id, c.User(), c.remote.String(), c.id)
		}
	}
	if w.err != nil {
		return w.err
	}
	return s.send(true, msgFetchDone, msgStmtExecuteOk)
}

// errNoticeArgumentType is the error MySQL returns when a notice-list argument is not a list of strings.
func errNoticeArgumentType() *Error {
	return NewError(ErCodeXCmdArgumentType, "HY000", "Invalid type of argument 'notice', expected list of strings")
}
