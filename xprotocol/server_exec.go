package xprotocol

import (
	"errors"
	"fmt"
)

func (s *ServerSession) execute(payload []byte) (bool, error) {
	if err := s.stmt.Unmarshal(payload); err != nil {
		return s.badMessage("Sql.StmtExecute", err)
	}
	if !s.isAuthed() {
		s.sendFatal(ErCodeUnknownCom, "08S01", "Unexpected message received")
		return true, nil
	}
	switch s.stmt.Namespace {
	case NamespaceSQL:
		return s.executeSQL()
	case NamespaceMysqlx, "xplugin":
		return s.admin(string(s.stmt.Stmt), s.stmt.Args)
	default:
		return false, s.send(true, NewError(ErCodeXInvalidNamespace, "HY000", "Unknown namespace %s", s.stmt.Namespace))
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
		return false, s.send(true, NewError(ErCodeUnknownError, "HY000", "no handler configured"))
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
	var xe *Error
	if !errors.As(herr, &xe) {
		xe = &Error{Code: ErCodeUnknownError, SQLState: "HY000", Msg: herr.Error()}
	}
	if err := s.send(true, xe); err != nil {
		return true, err
	}
	return xe.Severity == SeverityFatal, nil
}

// resultWriter implements ResultWriter for one statement.
type resultWriter struct {
	s            *ServerSession
	cols         []ColumnMetaData
	open         bool // a result set has started and not ended
	sets         int
	rowsAffected uint64
	affectedSet  bool
	lastInsertID uint64
	insertIDSet  bool
	message      string
	row          Row
	fieldBuf     []byte
	err          error // a write failure: the session is over
}

func (w *resultWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

func (w *resultWriter) WriteColumns(cols ...ColumnMetaData) error {
	if w.err != nil {
		return w.err
	}
	msgs := make([]Message, 0, len(cols)+1)
	if w.open {
		msgs = append(msgs, msgFetchDoneMoreRS)
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
		w.fieldBuf, err = appendAnyField(w.fieldBuf, &w.cols[i], v)
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

func (w *resultWriter) WriteWarning(warn Warning) error {
	if w.err != nil {
		return w.err
	}
	if !w.s.NoticeEnabled(NoticeNameWarnings) {
		return nil
	}
	n := &Notice{Type: NoticeWarning, Scope: ScopeLocal, Payload: AppendWarning(nil, warn)}
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
	msgs := make([]Message, 0, 5)
	if w.open {
		msgs = append(msgs, msgFetchDone)
	}
	if w.affectedSet || w.sets == 0 {
		msgs = append(msgs, stateNotice(StateRowsAffected, Scalar{Type: ScalarUint, Uint: w.rowsAffected}))
	}
	if w.insertIDSet {
		msgs = append(msgs, stateNotice(StateGeneratedInsertID, Scalar{Type: ScalarUint, Uint: w.lastInsertID}))
	}
	if w.message != "" {
		msgs = append(msgs, stateNotice(StateProducedMessage, Scalar{Type: ScalarString, Bytes: []byte(w.message)}))
	}
	msgs = append(msgs, msgStmtExecuteOk)
	return w.s.send(true, msgs...)
}

func stateNotice(p SessionStateParam, v Scalar) *Notice {
	return &Notice{Type: NoticeSessionStateChanged, Scope: ScopeLocal,
		Payload: AppendSessionStateChanged(nil, SessionStateChanged{Param: p, Values: []Scalar{v}})}
}
