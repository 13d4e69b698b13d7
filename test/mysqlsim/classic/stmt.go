package classic

import (
	"encoding/binary"
	"math"
	"strings"
)

// Prepared-statement command bytes (COM_STMT_*).
const (
	comStmtPrepare      = 0x16
	comStmtExecute      = 0x17
	comStmtSendLongData = 0x18
	comStmtClose        = 0x19
	comStmtReset        = 0x1a
	comStmtFetch        = 0x1c
)

// preparedStmt is what the protocol keeps of one prepared statement between commands. Only the
// connection's goroutine touches it.
type preparedStmt struct {
	stmt   Stmt
	params int
	// types are the parameter types the last execution bound; nil until one sends them.
	types []paramType
	// long holds the data COM_STMT_SEND_LONG_DATA appended per parameter since the last execution or reset.
	long map[int][]byte
	// longErr is what a bad COM_STMT_SEND_LONG_DATA left for the next execution: that command has no
	// response of its own, so mysqld reports its error there.
	longErr *SQLError
}

func (ps *preparedStmt) clearLong() {
	ps.long, ps.longErr = nil, nil
}

// stmtCommand runs one COM_STMT_* command. Without a Server.Preparer they are unknown commands, as before
// the binary protocol existed.
func (c *Conn) stmtCommand(cmd byte, arg []byte) bool {
	if c.srv.Preparer == nil {
		return c.unknownCommand()
	}
	switch cmd {
	case comStmtPrepare:
		c.prepare(string(arg))
	case comStmtExecute:
		c.execute(arg)
	case comStmtSendLongData:
		c.sendLongData(arg)
	case comStmtClose:
		c.closeStmt(arg)
	case comStmtReset:
		c.resetStmt(arg)
	case comStmtFetch:
		c.fetch(arg)
	default:
		return c.unknownCommand()
	}
	return false
}

// prepare is COM_STMT_PREPARE: the Preparer checks the text, the connection files the statement under a
// new id and answers COM_STMT_PREPARE_OK with the parameter and column definitions.
func (c *Conn) prepare(sql string) {
	if strings.TrimSpace(sql) == "" {
		c.writeErr(NewSQLError(ErEmptyQuery, "42000", "Query was empty"))
		return
	}
	if !c.srv.reserveStmt() {
		c.writeErr(NewSQLError(ErMaxPreparedStmts, "42000",
			"Can't create more than max_prepared_stmt_count statements (current value: %d)", c.srv.maxStmts()))
		return
	}
	st, err := c.callPreparer(sql)
	if err == nil {
		err = checkStmt(st)
	}
	if err != nil {
		c.srv.releaseStmt()
		c.writeErr(toSQLError(err))
		return
	}
	id := c.nextStmtID()
	if c.stmts == nil {
		c.stmts = map[uint32]*preparedStmt{}
	}
	c.stmts[id] = &preparedStmt{stmt: st, params: st.NumParams()}
	c.writePrepareOK(id, st.NumParams(), prepareColumnDefs(st.Columns()))
}

// checkStmt refuses what COM_STMT_PREPARE_OK cannot announce (counts are 16-bit), closing the statement.
func checkStmt(st Stmt) error {
	if st == nil {
		return NewSQLError(ErUnknown, "HY000", "internal error: Prepare returned no statement")
	}
	if n, cols := st.NumParams(), len(st.Columns()); n < 0 || n > math.MaxUint16 || cols > math.MaxUint16 {
		_ = st.Close()
		return NewSQLError(ErUnknown, "HY000", "internal error: statement with %d parameters and %d columns", n, cols)
	}
	return nil
}

func (c *Conn) callPreparer(sql string) (st Stmt, err error) {
	defer c.recoverHandler(&err, sql)
	return c.srv.Preparer.Prepare(c.ctx, c, sql)
}

func (c *Conn) callStmt(st Stmt, args []any) (results []*Result, err error) {
	defer c.recoverHandler(&err, "COM_STMT_EXECUTE")
	return st.Execute(c.ctx, c, args)
}

// nextStmtID returns an unused statement id. Ids count from 1 per connection, as in mysqld.
func (c *Conn) nextStmtID() uint32 {
	for {
		c.lastStmtID++
		if _, used := c.stmts[c.lastStmtID]; !used && c.lastStmtID != 0 {
			return c.lastStmtID
		}
	}
}

// writePrepareOK sends COM_STMT_PREPARE_OK, then the parameter definitions and the column definitions,
// each list closed by an EOF unless the client set CLIENT_DEPRECATE_EOF.
func (c *Conn) writePrepareOK(id uint32, params int, cols []columnDef) {
	b := binary.LittleEndian.AppendUint32([]byte{0x00}, id)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(cols)))
	b = binary.LittleEndian.AppendUint16(b, uint16(params))
	c.write(append(b, 0x00, 0, 0)) // filler, warning count
	if params > 0 {
		def := paramDef()
		for i := 0; i < params; i++ {
			c.write(def)
		}
		c.endDefinitions()
	}
	if len(cols) > 0 {
		for i := range cols {
			c.write(cols[i].encode())
		}
		c.endDefinitions()
	}
}

func (c *Conn) endDefinitions() {
	if !c.hasCap(capDeprecateEOF) {
		c.writeEOF(c.Status(), 0)
	}
}

// paramDef is the definition sent for every placeholder: "?", a binary VAR_STRING. Clients skip it; the
// type that counts is the one they bind at execution.
func paramDef() []byte {
	d := columnDef{Column: Column{Name: "?", Type: TypeVarString}, charset: charsetBinary, flags: flagBinary}
	return d.encode()
}

// prepareColumnDefs resolves the columns a Stmt announces. Nothing is known of the values yet, so an
// inferred type is VARCHAR and every column may be NULL; the definitions sent with each execution are exact.
func prepareColumnDefs(cols []Column) []columnDef {
	declared := make([]Column, len(cols))
	for i, col := range cols {
		if col.Type == TypeAuto {
			col.Type = TypeVarString
		}
		declared[i] = col
	}
	defs := resolveColumns(&Result{Columns: declared})
	for i := range defs {
		defs[i].flags &^= flagNotNull
	}
	return defs
}

// execute is COM_STMT_EXECUTE. Cursor flags are accepted but no cursor is opened: the whole result set
// follows at once without SERVER_STATUS_CURSOR_EXISTS, which clients handle because mysqld does the same for
// results it does not run through a cursor (SHOW, single rows). Long data is dropped after every execution.
func (c *Conn) execute(arg []byte) {
	ps, serr := c.stmtFor(arg, "mysqld_stmt_execute")
	if serr != nil {
		c.writeErr(serr)
		return
	}
	req, serr := parseExecute(arg, ps.params, ps.types, ps.long)
	if ps.longErr != nil {
		serr = ps.longErr
	}
	ps.clearLong()
	if serr != nil {
		c.writeErr(serr)
		return
	}
	ps.types = req.types
	results, err := c.callStmt(ps.stmt, req.args)
	c.sendResults(results, err, c.writeBinaryResultSet)
}

// stmtFor finds the statement a COM_STMT_* payload names; where is the command's name in mysqld's error.
func (c *Conn) stmtFor(arg []byte, where string) (*preparedStmt, *SQLError) {
	id, ok := stmtIDOf(arg)
	if !ok {
		return nil, errMalformed()
	}
	ps := c.stmts[id]
	if ps == nil {
		return nil, NewSQLError(ErUnknownStmtHandler, "HY000", "Unknown prepared statement handler (%d) given to %s",
			id, where)
	}
	return ps, nil
}

// sendLongData is COM_STMT_SEND_LONG_DATA: statement id, parameter index, a chunk appended to that
// parameter. It has no response; an unknown statement is ignored and other errors wait for the execution.
func (c *Conn) sendLongData(arg []byte) {
	ps, serr := c.stmtFor(arg, "mysqld_stmt_send_long_data")
	if serr != nil {
		return
	}
	d := &decoder{b: arg[4:]}
	param := int(d.uint16())
	switch {
	case d.err != nil || param >= ps.params:
		ps.longErr = NewSQLError(ErWrongArguments, "HY000", "Incorrect arguments to mysqld_stmt_send_long_data")
	case len(ps.long[param])+len(d.b) > c.srv.maxPacket():
		ps.longErr = NewSQLError(ErUnknown, "HY000", "Parameter of prepared statement which is set through "+
			"mysql_send_long_data() is longer than 'max_allowed_packet' bytes")
	case ps.longErr == nil:
		if ps.long == nil {
			ps.long = map[int][]byte{}
		}
		ps.long[param] = append(ps.long[param], d.b...)
	}
}

// closeStmt is COM_STMT_CLOSE; it has no response, and an unknown id is ignored.
func (c *Conn) closeStmt(arg []byte) {
	id, ok := stmtIDOf(arg)
	if ps := c.stmts[id]; ok && ps != nil {
		delete(c.stmts, id)
		c.releaseStmt(ps)
	}
}

// resetStmt is COM_STMT_RESET: long data and its pending error are dropped; the bound types stay.
func (c *Conn) resetStmt(arg []byte) {
	ps, serr := c.stmtFor(arg, "mysqld_stmt_reset")
	if serr != nil {
		c.writeErr(serr)
		return
	}
	ps.clearLong()
	c.writeOK(0, 0, 0, "")
}

// fetch is COM_STMT_FETCH. No cursor is ever open (see execute), so a known statement gets mysqld's
// ER_STMT_HAS_NO_OPEN_CURSOR.
func (c *Conn) fetch(arg []byte) {
	id, _ := stmtIDOf(arg)
	if _, serr := c.stmtFor(arg, "mysqld_stmt_fetch"); serr != nil {
		c.writeErr(serr)
		return
	}
	c.writeErr(NewSQLError(ErStmtNoOpenCursor, "HY000", "The statement (%d) has no open cursor.", id))
}

// closeStmts closes every statement: COM_RESET_CONNECTION, COM_CHANGE_USER and the end of the connection.
func (c *Conn) closeStmts() {
	for id, ps := range c.stmts {
		delete(c.stmts, id)
		c.releaseStmt(ps)
	}
}

func (c *Conn) releaseStmt(ps *preparedStmt) {
	if err := ps.stmt.Close(); err != nil {
		c.srv.Logger.V(1).Info("close prepared statement", "conn", c.id, "error", err.Error())
	}
	c.srv.releaseStmt()
}

func (s *Server) maxStmts() int {
	if s.MaxPreparedStmts <= 0 {
		return 16382
	}
	return s.MaxPreparedStmts
}

// reserveStmt counts one more prepared statement, or reports false at the limit.
func (s *Server) reserveStmt() bool {
	if s.prepared.Add(1) > int64(s.maxStmts()) {
		s.prepared.Add(-1)
		return false
	}
	return true
}

func (s *Server) releaseStmt() { s.prepared.Add(-1) }
