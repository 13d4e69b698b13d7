package xprotocol

import (
	"context"
	"fmt"

	"github.com/orca-operator/orca/xprotocol/wire"
)

var (
	cmdPing           = []byte("ping")
	cmdListNotices    = []byte("list_notices")
	cmdEnableNotices  = []byte("enable_notices")
	cmdDisableNotices = []byte("disable_notices")
)

// start sends a StmtExecute and returns the session's Rows for it (nil and the error on failure).
func (s *Session) start(ctx context.Context, r *Rows, ns string, stmt []byte, args []wire.Any) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	s.stmt = wire.StmtExecute{Stmt: stmt, Args: args, Namespace: ns}
	err := s.write(&s.stmt)
	s.stmt = wire.StmtExecute{}
	if err != nil {
		s.end()
		return err
	}
	r.reset(s, ctx)
	r.readColumns()
	return nil
}

// Query executes an SQL statement and streams its rows. Arguments replace the statement's "?" placeholders
// (wire.AnyOf lists the Go types accepted; the server substitutes each as a quoted or numeric literal).
// The caller must Close the Rows (or read them to the end).
func (s *Session) Query(ctx context.Context, stmt string, args ...any) (*Rows, error) {
	xargs, err := wire.AnysOf(args)
	if err != nil {
		return nil, err
	}
	r := &Rows{}
	if err := s.start(ctx, r, wire.NamespaceSQL, []byte(stmt), xargs); err != nil {
		return nil, err
	}
	if r.done && r.err != nil {
		return nil, r.err
	}
	return r, nil
}

// Result is a statement's complete answer.
type Result struct {
	ExecResult
	Sets []ResultSet
}

// ResultSet is one materialised result set; its values own their bytes.
type ResultSet struct {
	Columns []wire.ColumnMetaData
	Rows    [][]wire.Value
}

// Execute runs an SQL statement (arguments as for Query) and reads every result set into memory.
func (s *Session) Execute(ctx context.Context, stmt string, args ...any) (*Result, error) {
	xargs, err := wire.AnysOf(args)
	if err != nil {
		return nil, err
	}
	return s.execute(ctx, wire.NamespaceSQL, []byte(stmt), xargs)
}

// AdminCommand runs an X Plugin admin command (namespace "mysqlx").
func (s *Session) AdminCommand(ctx context.Context, cmd string, args ...wire.Any) (*Result, error) {
	return s.execute(ctx, wire.NamespaceMysqlx, []byte(cmd), args)
}

func (s *Session) execute(ctx context.Context, ns string, stmt []byte, args []wire.Any) (*Result, error) {
	r := &s.rows
	if err := s.start(ctx, r, ns, stmt, args); err != nil {
		return nil, err
	}
	res := &Result{}
	for {
		set := ResultSet{Columns: append([]wire.ColumnMetaData(nil), r.cols...)}
		for r.Next() {
			row := make([]wire.Value, len(r.cols))
			for i := range row {
				v, err := r.Value(i)
				if err != nil {
					_ = r.Close()
					return nil, err
				}
				row[i] = v.Clone()
			}
			set.Rows = append(set.Rows, row)
		}
		if len(set.Columns) > 0 {
			res.Sets = append(res.Sets, set)
		}
		if !r.NextResultSet() {
			break
		}
	}
	err := r.Close()
	res.ExecResult = r.result
	return res, err
}

// Ping runs the "ping" admin command: a round trip that also keeps the session alive.
func (s *Session) Ping(ctx context.Context) error {
	r := &s.rows
	if err := s.start(ctx, r, wire.NamespaceMysqlx, cmdPing, nil); err != nil {
		return err
	}
	return r.Close()
}

// ListNotices returns the notice names the server knows and whether each is enabled.
func (s *Session) ListNotices(ctx context.Context) (map[string]bool, error) {
	res, err := s.execute(ctx, wire.NamespaceMysqlx, cmdListNotices, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool)
	for _, set := range res.Sets {
		for _, row := range set.Rows {
			if len(row) < 2 {
				return nil, fmt.Errorf("%w: list_notices row has %d columns", wire.ErrMalformed, len(row))
			}
			on, err := row[1].AsInt64()
			if err != nil {
				return nil, fmt.Errorf("list_notices: %w", err)
			}
			out[string(row[0].Bytes)] = on != 0
		}
	}
	return out, nil
}

// EnableNotices enables notices by name (e.g. GroupReplicationNotices).
func (s *Session) EnableNotices(ctx context.Context, names ...string) error {
	_, err := s.execute(ctx, wire.NamespaceMysqlx, cmdEnableNotices, noticeArgs(names))
	return err
}

// DisableNotices disables notices by name.
func (s *Session) DisableNotices(ctx context.Context, names ...string) error {
	_, err := s.execute(ctx, wire.NamespaceMysqlx, cmdDisableNotices, noticeArgs(names))
	return err
}

func noticeArgs(names []string) []wire.Any {
	items := make([]wire.Any, len(names))
	for i, n := range names {
		items[i] = wire.String(n)
	}
	return []wire.Any{wire.Object(wire.ObjectField{Key: "notice", Value: wire.Array(items...)})}
}

// Capabilities asks the server for its capabilities now (CapabilitiesGet is allowed after authentication).
func (s *Session) Capabilities(ctx context.Context) (*wire.Capabilities, error) {
	f, err := s.simple(ctx, wire.Empty(wire.ClientConCapabilitiesGet), wire.ServerConnCapabilities)
	if err != nil {
		return nil, err
	}
	c := &wire.Capabilities{}
	err = c.Unmarshal(f.payload)
	s.end()
	return c, err
}

// SetCapabilities sets capabilities on the open session.
func (s *Session) SetCapabilities(ctx context.Context, caps ...wire.Capability) error {
	_, err := s.simple(ctx, &wire.CapabilitiesSet{Capabilities: caps}, wire.ServerOk)
	if err == nil {
		s.end()
	}
	return err
}

// simple sends m and waits for a reply of type want, skipping notices. On success the caller must call
// s.end() after using the frame.
func (s *Session) simple(ctx context.Context, m wire.Message, want uint8) (inFrame, error) {
	if err := s.begin(ctx); err != nil {
		return inFrame{}, err
	}
	if err := s.write(m); err != nil {
		s.end()
		return inFrame{}, err
	}
	for {
		f, err := s.next(ctx)
		if err != nil {
			s.end()
			return inFrame{}, err
		}
		switch f.typ {
		case wire.ServerNotice:
			continue
		case want:
			return f, nil
		case wire.ServerError:
			e := &wire.Error{}
			if derr := e.Unmarshal(f.payload); derr != nil {
				err = derr
			} else {
				err = e
			}
		default:
			err = fmt.Errorf("%w: got message type %d, want %d", wire.ErrMalformed, f.typ, want)
			s.fail(err)
		}
		s.end()
		return inFrame{}, err
	}
}
