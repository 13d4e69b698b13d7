package mysqlsim

import (
	"context"

	"github.com/orca-operator/orca/test/mysqlsim/classic"
)

// classicPreparer serves the classic protocol's prepared statements (COM_STMT_PREPARE / EXECUTE) from the
// member: the session is the connection's, errors keep their code and SQLSTATE, and a member that went
// away drops the connection, as for COM_QUERY.
func classicPreparer(m *Member) classic.Preparer {
	return classic.PreparerFunc(func(ctx context.Context, c *classic.Conn, query string) (classic.Stmt, error) {
		s, err := classicSession(ctx, m, c)
		if err == nil {
			var ps *PreparedStmt
			if ps, err = m.Prepare(ctx, s, query); err == nil {
				return &classicStmt{m: m, ps: ps}, nil
			}
		}
		if connLost(err) {
			_ = c.Close()
		}
		return nil, toClassicErr(err)
	})
}

// classicStmt is a member's prepared statement seen by the classic framework.
type classicStmt struct {
	m  *Member
	ps *PreparedStmt
}

func (st *classicStmt) NumParams() int { return st.ps.NumParams() }

// Columns announces what the member knows before execution (see PreparedStmt.Columns).
func (st *classicStmt) Columns() []classic.Column {
	cols := st.ps.Columns()
	if cols == nil {
		return nil
	}
	return toClassicResult(Result{Columns: cols}).Columns
}

func (st *classicStmt) Close() error {
	st.ps.Close()
	return nil
}

func (st *classicStmt) Execute(ctx context.Context, c *classic.Conn, args []any) ([]*classic.Result, error) {
	r, err := st.m.ExecPrepared(ctx, st.ps, args)
	if connLost(err) {
		_ = c.Close()
		return nil, err
	}
	c.SetSchema(st.ps.s.Database())
	c.SetStatus(classic.StatusInTrans, st.ps.s.InTransaction())
	if err != nil {
		return nil, toClassicErr(err)
	}
	return []*classic.Result{toClassicResult(r)}, nil
}
