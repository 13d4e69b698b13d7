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
		Credentials: xCredentials{m},
		TLSConfig:   tlsConfig,
		Logger:      log,
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
	query, err := bindArgs(stmt, args)
	if err != nil {
		return err
	}
	rs, err := m.Exec(ctx, s, query)
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

// bindArgs replaces the '?' placeholders of an X Protocol StmtExecute with its arguments, quoted
// as SQL literals.
func bindArgs(stmt string, args []wire.Any) (string, error) {
	if len(args) == 0 {
		return stmt, nil
	}
	var b strings.Builder
	next := 0
	var quote byte
	for i := 0; i < len(stmt); i++ {
		c := stmt[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '?':
			if next >= len(args) {
				return "", wire.NewError(5015, "HY000", "Too few arguments")
			}
			b.WriteString(sqlLiteral(args[next]))
			next++
			continue
		}
		b.WriteByte(c)
	}
	if next != len(args) {
		return "", wire.NewError(5015, "HY000", "Too many arguments")
	}
	return b.String(), nil
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
	case wire.ScalarString:
		return quoteString(string(sc.Bytes))
	case wire.ScalarOctets:
		return quoteString(string(sc.Bytes))
	}
	return "NULL"
}

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
