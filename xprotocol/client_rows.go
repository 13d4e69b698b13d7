package xprotocol

import (
	"context"
	"fmt"

	"github.com/orca-operator/orca/xprotocol/wire"
)

// ExecResult is what a statement reports besides its rows.
type ExecResult struct {
	RowsAffected uint64
	LastInsertID uint64
	HasInsertID  bool
	Message      string
	Warnings     []wire.Warning
}

// Rows streams the result sets of one statement. Field bytes returned by Field and Value alias the frame
// buffer and stay valid until the next call to Next; the session is busy until Close (or until Next and
// NextResultSet return false).
type Rows struct {
	s      *Session
	ctx    context.Context
	cols   []wire.ColumnMetaData
	row    wire.Row
	vals   []wire.Value
	peek   inFrame
	peeked bool
	more   bool // FetchDoneMoreResultsets seen: another result set follows
	done   bool // StmtExecuteOk or Error seen: the session is released
	err    error
	result ExecResult
}

func (r *Rows) reset(s *Session, ctx context.Context) {
	*r = Rows{s: s, ctx: ctx, cols: r.cols[:0], row: wire.Row{Fields: r.row.Fields[:0]}, vals: r.vals}
}

// Columns is the metadata of the current result set (nil for a statement without rows).
func (r *Rows) Columns() []wire.ColumnMetaData { return r.cols }

// Err is the statement's error (an *Error from the server, or a session error).
func (r *Rows) Err() error { return r.err }

// Result is the statement's rows affected, insert id, message and warnings; complete once the rows are
// read to the end or closed.
func (r *Rows) Result() ExecResult { return r.result }

// Field returns the raw encoded field i of the current row.
func (r *Rows) Field(i int) []byte { return r.row.Fields[i] }

// Value decodes field i of the current row (no allocation in the steady state).
func (r *Rows) Value(i int) (wire.Value, error) {
	if i < 0 || i >= len(r.row.Fields) || i >= len(r.cols) {
		return wire.Value{}, fmt.Errorf("xprotocol: column %d out of range", i)
	}
	if err := wire.DecodeValue(&r.cols[i], r.row.Fields[i], &r.vals[i]); err != nil {
		return wire.Value{}, fmt.Errorf("decode column %q: %w", r.cols[i].Name, err)
	}
	return r.vals[i], nil
}

// frame returns the next frame of the statement.
func (r *Rows) frame() (inFrame, bool) {
	if r.peeked {
		r.peeked = false
		return r.peek, true
	}
	f, err := r.s.next(r.ctx)
	if err != nil {
		r.err, r.done = err, true
		r.s.end()
		return inFrame{}, false
	}
	return f, true
}

// readColumns reads the metadata of a result set. Notices, an Error or StmtExecuteOk before any column
// are handled (a statement without rows ends here); the first other frame is kept for Next.
func (r *Rows) readColumns() {
	r.cols = r.cols[:0]
	r.more = false
	for !r.done {
		f, ok := r.frame()
		if !ok {
			return
		}
		if f.typ == wire.ServerResultsetColumnMetaData {
			r.cols = append(r.cols, wire.ColumnMetaData{})
			if err := r.cols[len(r.cols)-1].Unmarshal(f.payload); err != nil {
				r.protocolError(err)
				return
			}
			continue
		}
		if len(r.cols) == 0 && (f.typ == wire.ServerNotice || f.typ == wire.ServerError ||
			f.typ == wire.ServerSQLStmtExecuteOk) {
			r.handle(f)
			continue
		}
		r.peek, r.peeked = f, true
		break
	}
	for len(r.vals) < len(r.cols) {
		r.vals = append(r.vals, wire.Value{})
	}
}

// Next advances to the next row of the current result set.
func (r *Rows) Next() bool {
	for !r.done {
		f, ok := r.frame()
		if !ok {
			return false
		}
		switch f.typ {
		case wire.ServerResultsetRow:
			if err := r.row.Unmarshal(f.payload); err != nil {
				r.protocolError(err)
				return false
			}
			return true
		case wire.ServerResultsetFetchDoneMoreRS, wire.ServerResultsetFetchDoneOutParams:
			r.more = true
			return false
		case wire.ServerResultsetFetchDone:
			r.cols = r.cols[:0]
		default:
			r.handle(f)
		}
	}
	return false
}

// NextResultSet moves to the next result set, skipping unread rows; false when there is none.
func (r *Rows) NextResultSet() bool {
	for !r.more && r.Next() {
	}
	if !r.more || r.done {
		return false
	}
	r.readColumns()
	return !r.done || len(r.cols) > 0
}

// Close reads the statement to its end and releases the session. It returns the statement's error.
func (r *Rows) Close() error {
	for !r.done {
		if !r.Next() && r.more {
			r.readColumns()
		}
	}
	return r.err
}

// handle processes frames other than rows and result-set boundaries.
func (r *Rows) handle(f inFrame) {
	switch f.typ {
	case wire.ServerNotice:
		if err := r.notice(f.payload); err != nil {
			r.protocolError(err)
		}
	case wire.ServerSQLStmtExecuteOk:
		r.finish(nil)
	case wire.ServerError:
		e := &wire.Error{}
		if err := e.Unmarshal(f.payload); err != nil {
			r.protocolError(err)
			return
		}
		r.finish(e)
		if e.Severity == wire.SeverityFatal {
			r.s.fail(e)
		}
	default:
		r.protocolError(fmt.Errorf("%w: unexpected message type %d in a result", wire.ErrMalformed, f.typ))
	}
}

func (r *Rows) finish(err error) {
	r.err, r.done = err, true
	r.s.end()
}

// protocolError ends the session: the stream can no longer be trusted.
func (r *Rows) protocolError(err error) {
	err = fmt.Errorf("x protocol result from %s: %w", r.s.addr, err)
	r.s.fail(err)
	r.finish(err)
}

func (r *Rows) notice(payload []byte) error {
	var n wire.Notice
	if err := n.Unmarshal(payload); err != nil {
		return err
	}
	if n.Scope != wire.ScopeLocal {
		return nil
	}
	switch n.Type {
	case wire.NoticeWarning:
		w, err := n.Warning()
		if err != nil {
			return err
		}
		r.result.Warnings = append(r.result.Warnings, w)
	case wire.NoticeSessionStateChanged:
		st, err := n.SessionStateChanged()
		if err != nil || len(st.Values) == 0 {
			return err
		}
		r.applyState(st)
	}
	return nil
}

func (r *Rows) applyState(st wire.SessionStateChanged) {
	v := st.Values[0]
	switch st.Param {
	case wire.StateRowsAffected:
		r.result.RowsAffected = v.Uint
	case wire.StateGeneratedInsertID:
		r.result.LastInsertID, r.result.HasInsertID = v.Uint, true
	case wire.StateProducedMessage:
		r.result.Message = string(v.Bytes)
	}
}
