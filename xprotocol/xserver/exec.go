package xserver

import (
	"errors"
	"fmt"

	"github.com/orca-operator/orca/xprotocol/wire"
)

func (s *ServerSession) execute(payload []byte) (bool, error) {
	if err := s.stmt.Unmarshal(payload); err != nil {
		return s.badMessage("Sql.StmtExecute", err)
	}
	if !s.isAuthed() {
		s.sendFatal(wire.ErCodeUnknownCom, "08S01", "Unexpected message received")
		return true, nil
	}
	switch s.stmt.Namespace {
	case wire.NamespaceSQL:
		return s.executeSQL()
	case wire.NamespaceMysqlx, "xplugin":
		return s.admin(string(s.stmt.Stmt), s.stmt.Args)
	default:
		return false, s.send(true, wire.NewError(wire.ErCodeXInvalidNamespace, "HY000", "Unknown namespace %s",
			s.stmt.Namespace))
	}
}

func (s *ServerSession) executeSQL() (bool, error) {
	s.mu.Lock()
	s.inStmt = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inStmt = false
		s.mu.Unlock()
	}()
	w := &resultWriter{s: s}
	if s.srv.Handler == nil {
		return false, s.send(true, wire.NewError(wire.ErCodeUnknownError, "HY000", "no handler configured"))
	}
	herr := s.srv.Handler.ExecuteSQL(s.ctx, s, string(s.stmt.Stmt), s.stmt.Args, w)
	if w.err != nil {
		return true, w.err
	}
	if herr != nil {
		return s.statementFailed(herr)
	}
	return false, w.finish()
}

func (s *ServerSession) statementFailed(herr error) (bool, error) {
	var xe *wire.Error
	if !errors.As(herr, &xe) {
		xe = &wire.Error{Code: wire.ErCodeUnknownError, SQLState: "HY000", Msg: herr.Error()}
	}
	if err := s.send(true, xe); err != nil {
		return true, err
	}
	return xe.Severity == wire.SeverityFatal, nil
}

// resultWriter implements ResultWriter for one statement.
type resultWriter struct {
	s            *ServerSession
	cols         []wire.ColumnMetaData
	open         bool // a result set has started and not ended
	sets         int
	rowsAffected uint64
	affectedSet  bool
	lastInsertID uint64
	insertIDSet  bool
	message      string
	row          wire.Row
	fieldBuf     []byte
	err          error // a write failure: the session is over
}

func (w *resultWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

func (w *resultWriter) WriteColumns(cols ...wire.ColumnMetaData) error {
	if w.err != nil {
		return w.err
	}
	msgs := make([]wire.Message, 0, len(cols)+1)
	if w.open {
		msgs = append(msgs, wire.Empty(wire.ServerResultsetFetchDoneMoreRS))
	}
	w.cols = append(w.cols[:0], cols...)
	for i := range w.cols {
		msgs = append(msgs, &w.cols[i])
	}
	w.open = true
	w.sets++
	if err := w.s.send(false, msgs...); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *resultWriter) WriteRawRow(fields ...[]byte) error {
	if w.err != nil {
		return w.err
	}
	if !w.open {
		return errors.New("xprotocol: WriteRow before WriteColumns")
	}
	w.row.Fields = fields
	if err := w.s.send(false, &w.row); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *resultWriter) WriteRow(values ...any) error {
	if len(values) != len(w.cols) {
		return fmt.Errorf("xprotocol: row has %d values for %d columns", len(values), len(w.cols))
	}
	w.fieldBuf = w.fieldBuf[:0]
	ends := make([]int, len(values))
	for i, v := range values {
		var err error
		w.fieldBuf, err = wire.AppendField(w.fieldBuf, &w.cols[i], v)
		if err != nil {
			return fmt.Errorf("encode column %q: %w", w.cols[i].Name, err)
		}
		ends[i] = len(w.fieldBuf)
	}
	fields := make([][]byte, len(values))
	start := 0
	for i, end := range ends {
		fields[i] = w.fieldBuf[start:end]
		start = end
	}
	return w.WriteRawRow(fields...)
}

func (w *resultWriter) WriteWarning(warn wire.Warning) error {
	if w.err != nil {
		return w.err
	}
	if !w.s.NoticeEnabled(wire.NoticeNameWarnings) {
		return nil
	}
	n := &wire.Notice{Type: wire.NoticeWarning, Scope: wire.ScopeLocal, Payload: wire.AppendWarning(nil, warn)}
	if err := w.s.send(false, n); err != nil {
		return w.fail(err)
	}
	return nil
}

func (w *resultWriter) SetRowsAffected(n uint64) { w.rowsAffected, w.affectedSet = n, true }

func (w *resultWriter) SetLastInsertID(id uint64) { w.lastInsertID, w.insertIDSet = id, true }

func (w *resultWriter) SetMessage(msg string) { w.message = msg }

// finish ends the statement as MySQL does: FetchDone, state notices, StmtExecuteOk.
func (w *resultWriter) finish() error {
	msgs := make([]wire.Message, 0, 5)
	if w.open {
		msgs = append(msgs, wire.Empty(wire.ServerResultsetFetchDone))
	}
	if w.affectedSet || w.sets == 0 {
		msgs = append(msgs, stateNotice(wire.StateRowsAffected, wire.Scalar{Type: wire.ScalarUint,
			Uint: w.rowsAffected}))
	}
	if w.insertIDSet {
		msgs = append(msgs, stateNotice(wire.StateGeneratedInsertID, wire.Scalar{Type: wire.ScalarUint,
			Uint: w.lastInsertID}))
	}
	if w.message != "" {
		msgs = append(msgs, stateNotice(wire.StateProducedMessage, wire.Scalar{Type: wire.ScalarString,
			Bytes: []byte(w.message)}))
	}
	msgs = append(msgs, wire.Empty(wire.ServerSQLStmtExecuteOk))
	return w.s.send(true, msgs...)
}

func stateNotice(p wire.SessionStateParam, v wire.Scalar) *wire.Notice {
	return &wire.Notice{Type: wire.NoticeSessionStateChanged, Scope: wire.ScopeLocal,
		Payload: wire.AppendSessionStateChanged(nil, wire.SessionStateChanged{Param: p, Values: []wire.Scalar{v}})}
}
