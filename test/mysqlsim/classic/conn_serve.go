package classic

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Command bytes (COM_*).
const (
	comQuit            = 0x01
	comInitDB          = 0x02
	comQuery           = 0x03
	comStatistics      = 0x09
	comChangeUser      = 0x11
	comPing            = 0x0e
	comSetOption       = 0x1b
	comResetConnection = 0x1f
	comRegisterSlave   = 0x15
	comBinlogDumpGTID  = 0x1e
)

// serve runs the connection until the client quits, a fatal error, Close, or shutdown.
func (c *Conn) serve() {
	defer c.finish()
	if err := c.handshake(); err != nil {
		c.logEnd("handshake", err)
		return
	}
	for c.setBusy(false) {
		c.pkt.seq = 0
		data, err := c.pkt.readPacket()
		if err != nil {
			c.logEnd("read command", c.readFailed(err))
			return
		}
		c.setBusy(true)
		if quit := c.dispatch(data); quit {
			return
		}
		if err := c.pkt.flush(); err != nil {
			c.logEnd("write response", err)
			return
		}
	}
}

// logEnd records why a connection ended, unless the client simply went away.
func (c *Conn) logEnd(phase string, err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, errLoginFailed) {
		return
	}
	c.srv.Logger.V(1).Info("connection ended", "conn", c.id, "phase", phase, "error", err.Error())
}

// dispatch runs one command and buffers its response. It reports true when the connection must end.
func (c *Conn) dispatch(data []byte) (quit bool) {
	if len(data) == 0 {
		return c.unknownCommand()
	}
	c.srv.questions.Add(1)
	arg := data[1:]
	switch data[0] {
	case comQuit:
		return true
	case comQuery:
		c.query(string(arg))
	case comPing:
		c.writeOK(0, 0, 0, "")
	case comInitDB:
		c.initDB(string(arg))
	case comResetConnection:
		c.resetSession()
	case comSetOption:
		return c.setOption(arg)
	case comStatistics:
		c.write([]byte(c.srv.statistics()))
	case comStmtPrepare, comStmtExecute, comStmtSendLongData, comStmtClose, comStmtReset, comStmtFetch:
		return c.stmtCommand(data[0], arg)
	case comChangeUser:
		return c.changeUser(arg)
	case comRegisterSlave, comBinlogDumpGTID:
		return c.replicationCommand(data[0], arg)
	default:
		return c.unknownCommand()
	}
	return false
}

// unknownCommand answers an unsupported command as mysqld does. The connection stays open.
func (c *Conn) unknownCommand() bool {
	c.writeErr(NewSQLError(ErUnknownCommand, "08S01", "Unknown command"))
	return false
}

func (c *Conn) initDB(schema string) {
	if schema == "" {
		c.writeErr(NewSQLError(ErNoDB, "3D000", "No database selected"))
		return
	}
	if err := c.checkSchema(schema); err != nil {
		c.writeErr(toSQLError(err))
		return
	}
	c.SetSchema(schema)
	c.writeOK(0, 0, 0, "")
}

// resetSession is COM_RESET_CONNECTION: prepared statements are closed, the handler's session value is
// dropped (and closed) and the status returns to autocommit with no transaction; user and schema stay.
func (c *Conn) resetSession() {
	c.clearSession()
	c.writeOK(0, 0, 0, "")
}

// clearSession drops what a session accumulates, for COM_RESET_CONNECTION and COM_CHANGE_USER.
func (c *Conn) clearSession() {
	c.closeStmts()
	c.SetValue(nil)
	c.mu.Lock()
	c.status = StatusAutocommit
	c.mu.Unlock()
}

// setOption is COM_SET_OPTION: 0 turns multi-statements on, 1 off. mysqld answers with an EOF packet.
func (c *Conn) setOption(arg []byte) bool {
	d := &decoder{b: arg}
	opt := d.uint16()
	if d.err != nil || opt > 1 {
		return c.unknownCommand()
	}
	c.mu.Lock()
	if opt == 0 {
		c.caps |= capMultiStatements
	} else {
		c.caps &^= capMultiStatements
	}
	c.mu.Unlock()
	c.writeEOF(c.Status(), 0)
	return false
}

// query runs COM_QUERY through the Handler, turning a panic into ERR 1105 so one bad statement does not
// take the server down.
func (c *Conn) query(sql string) {
	if strings.TrimSpace(sql) == "" {
		c.writeErr(NewSQLError(ErEmptyQuery, "42000", "Query was empty"))
		return
	}
	results, err := c.callHandler(sql)
	c.writeResults(results, err)
}

func (c *Conn) callHandler(sql string) (results []*Result, err error) {
	defer c.recoverHandler(&err, sql)
	return c.srv.Handler.Query(c.ctx, c, sql)
}

// recoverHandler, deferred around handler code, turns a panic into ERR 1105 so one bad statement does not
// take the server down. The panicking call never returned, so its other results are zero.
func (c *Conn) recoverHandler(err *error, query string) {
	if p := recover(); p != nil {
		c.srv.Logger.Error(fmt.Errorf("%v", p), "handler panicked", "conn", c.id, "query", query)
		*err = NewSQLError(ErUnknown, "HY000", "internal error: handler panicked: %v", p)
	}
}

// statistics is the COM_STATISTICS text.
func (s *Server) statistics() string {
	s.mu.Lock()
	up, threads := 0, len(s.conns)
	if !s.started.IsZero() {
		up = int(time.Since(s.started).Seconds())
	}
	s.mu.Unlock()
	return fmt.Sprintf("Uptime: %d  Threads: %d  Questions: %d  Slow queries: 0  Opens: 0  Flush tables: 1  "+
		"Open tables: 0  Queries per second avg: 0.000", up, threads, s.questions.Load())
}
