package mysqlsim

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

// xCredentials adapts the member's accounts to the X Protocol server, which does not model the
// client host: the account a client from the member's own network would match is used.
type xCredentials struct{ m *Member }

func (c xCredentials) LookupAccount(user string) (xserver.Account, bool) {
	a, ok := c.m.LookupAccount(user, "127.0.0.1")
	if !ok || a.Locked {
		return xserver.Account{}, false
	}
	return xserver.Account{User: user, Password: a.Password, Plugin: a.Plugin}, true
}

type xSessionKey struct{}

func newXServer(m *Member, tlsConfig *tls.Config, log logr.Logger) *xserver.Server {
	return &xserver.Server{
		Credentials:            xCredentials{m},
		TLSConfig:              tlsConfig,
		RequireSecureTransport: m.requireSecureTransport,
		Logger:                 log,
		Handler: xserver.HandlerFunc(func(ctx context.Context, xs *xserver.ServerSession, stmt string,
			args []wire.Any, w xserver.ResultWriter) error {
			return xExecute(ctx, m, xs, stmt, args, w)
		}),
	}
}

func xSession(m *Member, xs *xserver.ServerSession) (*Session, error) {
	if s, ok := xs.Value(xSessionKey{}).(*Session); ok {
		return s, nil
	}
	host := "127.0.0.1"
	if a, ok := xs.RemoteAddr().(*net.TCPAddr); ok {
		host = a.IP.String()
	}
	s, err := m.NewSession(xs.User(), host)
	if err != nil {
		return nil, err
	}
	xs.SetValue(xSessionKey{}, s)
	go func() { <-xs.Context().Done(); s.Close() }()
	return s, nil
}

func xExecute(ctx context.Context, m *Member, xs *xserver.ServerSession, stmt string, args []wire.Any,
	w xserver.ResultWriter) error {
	s, err := xSession(m, xs)
	if err != nil {
		return toXErr(err)
	}
	rs, err := m.ExecX(ctx, s, stmt, args)
	if connLost(err) {
		xs.Close()
		return err
	}
	for _, r := range rs {
		if werr := writeXResult(w, r); werr != nil {
			return werr
		}
	}
	if v, ok := s.Var("mysqlx_wait_timeout"); ok {
		if secs, perr := strconv.Atoi(v); perr == nil {
			xs.SetIdleTimeout(time.Duration(secs) * time.Second)
		}
	}
	xs.SetSchema(s.Database())
	return toXErr(err)
}

func writeXResult(w xserver.ResultWriter, r Result) error {
	if r.Columns == nil {
		w.SetRowsAffected(r.AffectedRows)
		if r.LastInsertID != 0 {
			w.SetLastInsertID(r.LastInsertID)
		}
		if r.Info != "" {
			w.SetMessage(r.Info)
		}
		return nil
	}
	cols := make([]wire.ColumnMetaData, len(r.Columns))
	for i, c := range r.Columns {
		cols[i] = wire.ColumnMetaData{Type: xColumnType(c), Name: c.Name, OriginalName: c.Name, Table: c.Table,
			OriginalTable: c.Table, Schema: c.Schema, Catalog: "def"}
		if c.Unsigned {
			cols[i].Flags = wire.FlagUnsigned
		}
	}
	if err := w.WriteColumns(cols...); err != nil {
		return err
	}
	for _, row := range r.Rows {
		if err := w.WriteRow(row...); err != nil {
			return err
		}
	}
	return nil
}

// xColumnType maps a column to its X Protocol encoding. DATETIME values are kept as text (BYTES).
func xColumnType(c Column) wire.ColumnType {
	switch c.Type {
	case TypeLongLong:
		if c.Unsigned {
			return wire.ColumnUint
		}
		return wire.ColumnSint
	case TypeDouble:
		return wire.ColumnDouble
	case TypeDecimal:
		return wire.ColumnDecimal
	}
	return wire.ColumnBytes
}

// ExecX runs an X Protocol StmtExecute's statement with its arguments, substituted as the X Plugin does
// (bindArgs), in the session: what the X Protocol front-end runs, for callers in the same process.
func (m *Member) ExecX(ctx context.Context, s *Session, stmt string, args []wire.Any) ([]Result, error) {
	query, err := bindArgs(stmt, args)
	if err != nil {
		return nil, err
	}
	return m.Exec(ctx, s, query)
}

// bindArgs substitutes the arguments of an X Protocol StmtExecute as the X Plugin does (Query_formatter):
// textually, before parsing, each '?' outside quoted strings, identifiers and comments taking the next
// argument as a literal, so a placeholder is accepted wherever a literal is (CREATE USER ... IDENTIFIED BY ?
// included, unlike a classic prepared statement). More arguments than placeholders is ERROR 5015 "Too many
// arguments"; fewer leaves the remaining '?' in the statement, which the parser then rejects (ERROR 1064).
func bindArgs(stmt string, args []wire.Any) (string, error) {
	if len(args) == 0 {
		return stmt, nil
	}
	var b strings.Builder
	next := 0
	var sc placeholderScanner
	for i := 0; i < len(stmt); i++ {
		if sc.placeholder(stmt, i) && next < len(args) {
			b.WriteString(sqlLiteral(args[next]))
			next++
			continue
		}
		b.WriteByte(stmt[i])
	}
	if next != len(args) {
		return "", wire.NewError(wire.ErCodeXCmdNumArguments, "HY000", "Too many arguments")
	}
	return b.String(), nil
}

// placeholderScanner finds the '?' the X Plugin substitutes: not inside '...' or "..." (where a backslash
// escapes the next byte), `...`, /* ... */, # ... or -- ... up to the end of the line.
type placeholderScanner struct {
	end     string // what closes the current block ("" outside any)
	from    int    // where the block's content starts
	escaped bool
}

func (p *placeholderScanner) placeholder(stmt string, i int) bool {
	c := stmt[i]
	if p.end != "" {
		p.inBlock(stmt, i)
		return false
	}
	switch {
	case c == '\'', c == '"', c == '`':
		p.end = string(c)
	case c == '#':
		p.end = "\n"
	case strings.HasPrefix(stmt[i:], "/*"):
		p.end, p.from = "*/", i+2
	case strings.HasPrefix(stmt[i:], "-- "):
		p.end = "\n"
	}
	return p.end == "" && c == '?'
}

func (p *placeholderScanner) inBlock(stmt string, i int) {
	c := stmt[i]
	quoted := p.end == "'" || p.end == `"`
	switch {
	case p.escaped:
		p.escaped = false
	case quoted && c == '\\':
		p.escaped = true
	case p.end == "*/" && c == '/' && i-1 >= p.from && stmt[i-1] == '*':
		p.end = ""
	case len(p.end) == 1 && c == p.end[0]:
		p.end = ""
	}
}

func sqlLiteral(a wire.Any) string {
	if a.Type != wire.AnyScalar {
		return "NULL"
	}
	sc := a.Scalar
	switch sc.Type {
	case wire.ScalarSint:
		return strconv.FormatInt(sc.Sint, 10)
	case wire.ScalarUint:
		return strconv.FormatUint(sc.Uint, 10)
	case wire.ScalarDouble:
		return strconv.FormatFloat(sc.Double, 'g', -1, 64)
	case wire.ScalarFloat:
		return strconv.FormatFloat(float64(sc.Float), 'g', -1, 32)
	case wire.ScalarBool:
		if sc.Bool {
			return "TRUE"
		}
		return "FALSE"
	case wire.ScalarString, wire.ScalarOctets:
		return xPluginQuote(sc.Bytes)
	}
	return "NULL"
}

// xPluginQuote quotes an argument as the X Plugin's Query_formatter does, with escape_string_for_mysql: a
// backslash before NUL, newline, carriage return, backslash, both quotes and Ctrl-Z, whatever the session's
// sql_mode. Under NO_BACKSLASH_ESCAPES the lexer then reads those backslashes as ordinary bytes, so a quote in
// the value ends the literal early (a client must clear that mode before it uses placeholders).
func xPluginQuote(v []byte) string {
	var b strings.Builder
	b.Grow(len(v) + 2)
	b.WriteByte('\'')
	for _, c := range v {
		if esc, ok := xPluginEscapes[c]; ok {
			b.WriteByte('\\')
			c = esc
		}
		b.WriteByte(c)
	}
	b.WriteByte('\'')
	return b.String()
}

var xPluginEscapes = map[byte]byte{0: '0', '\n': 'n', '\r': 'r', '\\': '\\', '\'': '\'', '"': '"', 0x1a: 'Z'}

func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func toXErr(err error) error {
	var se *Error
	if errors.As(err, &se) {
		return wire.NewError(uint32(se.Code), se.State, "%s", se.Message)
	}
	return err
}
