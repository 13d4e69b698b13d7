package xserver

import (
	"slices"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// fixedNotices are always on and listed by list_notices after the toggleable ones.
var fixedNotices = []string{"account_expired", "generated_insert_id", "rows_affected", "produced_message"}

// admin executes a "mysqlx" namespace command.
func (s *ServerSession) admin(cmd string, args []wire.Any) (bool, error) {
	var xerr *wire.Error
	switch cmd {
	case "ping":
		xerr = wantArgs(cmd, args, 0)
		if xerr == nil {
			return false, s.send(true, wire.Empty(wire.ServerSQLStmtExecuteOk))
		}
	case "list_notices":
		xerr = wantArgs(cmd, args, 0)
		if xerr == nil {
			return false, s.listNotices()
		}
	case "enable_notices", "disable_notices":
		xerr = s.toggleNotices(args, cmd == "enable_notices")
		if xerr == nil {
			return false, s.send(true, wire.Empty(wire.ServerSQLStmtExecuteOk))
		}
	case "kill_client":
		xerr = s.killClient(args)
		if xerr == nil {
			return false, s.send(true, wire.Empty(wire.ServerSQLStmtExecuteOk))
		}
	case "list_clients":
		xerr = wantArgs(cmd, args, 0)
		if xerr == nil {
			return false, s.listClients()
		}
	default:
		xerr = wire.NewError(wire.ErCodeXInvalidAdminCommand, "HY000", "Invalid mysqlx command %s", cmd)
	}
	return false, s.send(true, xerr)
}

func wantArgs(cmd string, args []wire.Any, n int) *wire.Error {
	if len(args) != n {
		return wire.NewError(wire.ErCodeXCmdNumArguments, "HY000",
			"Invalid number of arguments, expected %d but got %d", n, len(args))
	}
	return nil
}

func (s *ServerSession) listNotices() error {
	w := &resultWriter{s: s}
	_ = w.WriteColumns(
		wire.ColumnMetaData{Type: wire.ColumnBytes, Name: "notice", Collation: wire.CollationUTF8MB4Ai0900},
		wire.ColumnMetaData{Type: wire.ColumnSint, Name: "enabled", Length: 1})
	s.mu.Lock()
	enabled := make([]bool, len(wire.ToggleableNotices))
	for i, n := range wire.ToggleableNotices {
		enabled[i] = s.notices[n]
	}
	s.mu.Unlock()
	for i, n := range wire.ToggleableNotices {
		_ = w.WriteRow(n, enabled[i])
	}
	for _, n := range fixedNotices {
		_ = w.WriteRow(n, true)
	}
	if w.err != nil {
		return w.err
	}
	return s.send(true, wire.Empty(wire.ServerResultsetFetchDone), wire.Empty(wire.ServerSQLStmtExecuteOk))
}

// noticeNames reads the notice list: {"notice": ["name", ...]} (MySQL 8) or plain strings (5.7 style).
func noticeNames(args []wire.Any) ([]string, *wire.Error) {
	var items []wire.Any
	switch {
	case len(args) == 1 && args[0].Type == wire.AnyObject:
		v, ok := args[0].Field("notice")
		if !ok {
			return nil, errNoticeArgumentType()
		}
		items = v.Array
		if v.Type == wire.AnyScalar {
			items = []wire.Any{v}
		}
	default:
		items = args
	}
	if len(items) == 0 {
		return nil, wire.NewError(wire.ErCodeXCmdNumArguments, "HY000",
			"Invalid number of arguments, expected at least 1")
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

func (s *ServerSession) toggleNotices(args []wire.Any, on bool) *wire.Error {
	names, xerr := noticeNames(args)
	if xerr != nil {
		return xerr
	}
	for _, n := range names {
		switch {
		case slices.Contains(wire.ToggleableNotices, n):
		case slices.Contains(fixedNotices, n):
			if !on {
				return wire.NewError(5164, "HY000", "Cannot disable notice %s", n)
			}
		default:
			return wire.NewError(wire.ErCodeXBadNotice, "HY000", "Invalid notice name %s", n)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		if slices.Contains(wire.ToggleableNotices, n) {
			s.notices[n] = on
		}
	}
	return nil
}

func (s *ServerSession) killClient(args []wire.Any) *wire.Error {
	if len(args) != 1 {
		return wantArgs("kill_client", args, 1)
	}
	v := args[0]
	if f, ok := v.Field("id"); ok {
		v = f
	}
	id, ok := v.AsUint()
	if !ok {
		return wire.NewError(wire.ErCodeXCmdArgumentType, "HY000",
			"Invalid type of argument 'id', expected unsigned int")
	}
	victim, found := s.srv.Session(id)
	if !found || !victim.Authenticated() {
		return wire.NewError(1094, "HY000", "Unknown thread id: %d", id)
	}
	if victim == s {
		return wire.NewError(wire.ErCodeSessionWasKilled, "HY000", "Query execution was interrupted")
	}
	victim.Close()
	return nil
}

func (s *ServerSession) listClients() error {
	w := &resultWriter{s: s}
	_ = w.WriteColumns(
		wire.ColumnMetaData{Type: wire.ColumnUint, Name: "client_id"},
		wire.ColumnMetaData{Type: wire.ColumnBytes, Name: "user", Collation: wire.CollationUTF8MB4Ai0900},
		wire.ColumnMetaData{Type: wire.ColumnBytes, Name: "host", Collation: wire.CollationUTF8MB4Ai0900},
		wire.ColumnMetaData{Type: wire.ColumnUint, Name: "sql_session"})
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
	return s.send(true, wire.Empty(wire.ServerResultsetFetchDone), wire.Empty(wire.ServerSQLStmtExecuteOk))
}

// errNoticeArgumentType is the error MySQL returns when a notice-list argument is not a list of strings.
func errNoticeArgumentType() *wire.Error {
	return wire.NewError(wire.ErCodeXCmdArgumentType, "HY000",
		"Invalid type of argument 'notice', expected list of strings")
}
