package mysqlsim

import (
	"context"
	"crypto/tls"
	"errors"
	"strings"

	"github.com/go-logr/logr"

	"github.com/orca-operator/orca/test/mysqlsim/classic"
)

func newClassicServer(m *Member, tlsConfig *tls.Config, log logr.Logger) *classic.Server {
	srv := &classic.Server{
		Version:                m.Version(),
		TLSConfig:              tlsConfig,
		Logger:                 log,
		RequireSecureTransport: m.requireSecureTransport,
		Credentials: classic.CredentialFunc(func(user, host string) (classic.Account, bool) {
			a, ok := m.LookupAccount(user, host)
			if !ok || a.Locked {
				return classic.Account{}, false
			}
			return classic.Account{Password: a.Password, Plugin: a.Plugin}, true
		}),
	}
	srv.Handler = classic.HandlerFunc(func(ctx context.Context, c *classic.Conn,
		query string) ([]*classic.Result, error) {
		return classicQuery(ctx, m, c, query)
	})
	srv.CheckSchema = func(ctx context.Context, c *classic.Conn, schema string) error {
		_, err := classicQuery(ctx, m, c, useSchema(schema))
		return err
	}
	srv.Preparer = classicPreparer(m)
	srv.Replication = classicReplication{m}
	return srv
}

func useSchema(schema string) string { return "USE `" + strings.ReplaceAll(schema, "`", "``") + "`" }

// classicSession returns the engine session of a classic connection, opening it on first use. A
// connection that keeps a default schema across COM_RESET_CONNECTION carries it into the new session; one
// dropped meanwhile leaves the session without, as the next DATABASE() then shows.
func classicSession(ctx context.Context, m *Member, c *classic.Conn) (*Session, error) {
	if sc, ok := c.Value().(sessionCloser); ok {
		return sc.s, nil
	}
	s, err := m.NewSession(c.User(), c.Host())
	if err != nil {
		return nil, err
	}
	c.SetValue(sessionCloser{s})
	if schema := c.Schema(); schema != "" {
		_, _ = m.Exec(ctx, s, useSchema(schema))
	}
	return s, nil
}

func classicQuery(ctx context.Context, m *Member, c *classic.Conn, query string) ([]*classic.Result, error) {
	s, err := classicSession(ctx, m, c)
	if err != nil {
		if connLost(err) {
			_ = c.Close()
		}
		return nil, toClassicErr(err)
	}
	if !c.MultiStatements() {
		parts := splitStatements(query, s.noBackslashEscapes())
		if len(parts) > 1 && strings.TrimSpace(strings.Join(parts[1:], "")) != "" {
			rest := strings.TrimSpace(strings.Join(parts[1:], ";"))
			return nil, toClassicErr(errParse(rest, 1))
		}
	}
	rs, err := m.Exec(ctx, s, query)
	if connLost(err) {
		_ = c.Close()
		return nil, err
	}
	out := make([]*classic.Result, 0, len(rs))
	for _, r := range rs {
		out = append(out, toClassicResult(r))
	}
	c.SetSchema(s.Database())
	c.SetStatus(classic.StatusInTrans, s.InTransaction())
	return out, toClassicErr(err)
}

func toClassicResult(r Result) *classic.Result {
	out := &classic.Result{Rows: r.Rows, AffectedRows: r.AffectedRows, LastInsertID: r.LastInsertID,
		Warnings: r.Warnings, Info: r.Info}
	if r.Columns != nil {
		out.Columns = make([]classic.Column, len(r.Columns))
		for i, c := range r.Columns {
			out.Columns[i] = classic.Column{Name: c.Name, Type: classic.ColumnType(c.Type), Schema: c.Schema,
				Table: c.Table, Unsigned: c.Unsigned}
		}
		if out.Rows == nil {
			out.Rows = [][]any{}
		}
	}
	return out
}

func toClassicErr(err error) error {
	var se *Error
	if errors.As(err, &se) {
		return &classic.SQLError{Code: se.Code, State: se.State, Message: se.Message}
	}
	return err
}

// requireSecureTransport reads require_secure_transport now (it is dynamic).
func (m *Member) requireSecureTransport() bool {
	v, _ := m.Var("require_secure_transport")
	return strings.EqualFold(v, "ON") || v == "1"
}

// classicReplication serves the replication commands on a member's classic protocol.
type classicReplication struct{ m *Member }

// RegisterReplica answers COM_REGISTER_SLAVE. SHOW REPLICAS is not modelled: nothing is recorded.
func (r classicReplication) RegisterReplica(ctx context.Context, c *classic.Conn, _ classic.ReplicaInfo) error {
	s, err := classicSession(ctx, r.m, c)
	if err != nil {
		return toClassicErr(err)
	}
	r.m.g.mu.Lock()
	defer r.m.g.mu.Unlock()
	return toClassicErr(r.m.checkRegisterPriv(s))
}

// DumpGTID answers COM_BINLOG_DUMP_GTID.
func (r classicReplication) DumpGTID(ctx context.Context, c *classic.Conn, req classic.DumpRequest,
	send func([]byte) error) error {
	s, err := classicSession(ctx, r.m, c)
	if err != nil {
		return toClassicErr(err)
	}
	return toClassicErr(r.m.dumpGTID(ctx, s, req, send))
}
