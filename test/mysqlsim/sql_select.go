package mysqlsim

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

type exprKind int

const (
	eLit exprKind = iota
	eVar
	eFunc
	eCol
	eUserVar
	eStar
)

type expr struct {
	kind  exprKind
	lit   value
	scope string
	name  string
	args  []*expr
	text  string
}

type selectItem struct {
	e     *expr
	alias string
}

type cond struct {
	col string
	op  string
	rhs *expr
}

type selectStmt struct {
	items   []selectItem
	schema  string
	table   string
	where   []cond
	orderBy string
	desc    bool
	limit   int
}

// adminFunctions are the functions the simulator evaluates itself.
var adminFunctions = map[string]bool{
	"version": true, "database": true, "schema": true, "user": true, "current_user": true, "session_user": true,
	"system_user": true, "connection_id": true, "gtid_subset": true, "gtid_subtract": true,
	"wait_for_executed_gtid_set": true, "group_replication_set_as_primary": true,
	"group_replication_switch_to_single_primary_mode": true, "group_replication_switch_to_multi_primary_mode": true,
	"group_replication_get_communication_protocol": true, "group_replication_get_write_concurrency": true,
	"count": true,
}

func isAdminSelect(p *parser) bool {
	cp := *p
	cp.i++
	st, err := parseSelect(&cp)
	if err != nil {
		// A statement we cannot parse is ours when it names our tables or functions: report the error.
		for _, t := range p.toks {
			if t.kind == tSysVar || (t.kind == tIdent && namesOurs(t.text)) {
				return true
			}
		}
		return false
	}
	return st.schema == "" || st.schema == "performance_schema" || (st.schema == "mysql" && st.table == "user")
}

func parseSelect(p *parser) (*selectStmt, *Error) {
	st := &selectStmt{limit: -1}
	for {
		e, err := parseExpr(p)
		if err != nil {
			return nil, err
		}
		item := selectItem{e: e}
		if p.accept("AS") {
			if item.alias, err = aliasName(p); err != nil {
				return nil, err
			}
		} else if t := p.peek(); (t.kind == tIdent && !isClauseKeyword(t)) || t.kind == tString {
			item.alias, _ = aliasName(p)
		}
		st.items = append(st.items, item)
		if !p.acceptPunct(",") {
			break
		}
	}
	if p.accept("FROM") {
		if err := parseFrom(p, st); err != nil {
			return nil, err
		}
	}
	if err := parseTail(p, st); err != nil {
		return nil, err
	}
	return st, p.end()
}

func aliasName(p *parser) (string, *Error) {
	t := p.next()
	if t.kind != tIdent && t.kind != tString {
		p.i--
		return "", p.errHere()
	}
	return t.text, nil
}

// namesOurs reports whether an identifier names a Group Replication function or performance_schema.
func namesOurs(ident string) bool {
	return strings.HasPrefix(strings.ToLower(ident), "group_replication_") ||
		strings.EqualFold(ident, "performance_schema")
}

// clauseKeywords end a select list or expression.
var clauseKeywords = []string{"FROM", "WHERE", "ORDER", "LIMIT", "GROUP", "HAVING", "INTO", "FOR", "UNION", "AND", "OR"}

func isClauseKeyword(t token) bool {
	for _, kw := range clauseKeywords {
		if t.is(kw) {
			return true
		}
	}
	return false
}

func parseFrom(p *parser, st *selectStmt) *Error {
	name, err := p.ident()
	if err != nil {
		return err
	}
	if strings.EqualFold(name, "dual") {
		return nil
	}
	if !p.acceptPunct(".") {
		st.schema, st.table = "?", strings.ToLower(name) // a table of the current database: data
		return nil
	}
	table, err := p.ident()
	if err != nil {
		return err
	}
	st.schema, st.table = strings.ToLower(name), strings.ToLower(table)
	if p.accept("AS") || (p.peek().kind == tIdent && !isClauseKeyword(p.peek())) {
		_, _ = p.ident()
	}
	return nil
}

func parseTail(p *parser, st *selectStmt) *Error {
	if p.accept("WHERE") {
		for {
			col, err := p.ident()
			if err != nil {
				return err
			}
			op := p.next()
			if op.kind != tPunct || (op.text != "=" && op.text != "<>" && op.text != "!=") {
				p.i--
				return p.errHere()
			}
			rhs, err := parseExpr(p)
			if err != nil {
				return err
			}
			st.where = append(st.where, cond{col: strings.ToUpper(col), op: op.text, rhs: rhs})
			if !p.accept("AND") {
				break
			}
		}
	}
	if p.acceptSeq("ORDER", "BY") {
		col, err := p.ident()
		if err != nil {
			return err
		}
		st.orderBy = strings.ToUpper(col)
		st.desc = p.accept("DESC")
		if !st.desc {
			p.accept("ASC")
		}
	}
	if p.accept("LIMIT") {
		t := p.next()
		if t.kind != tNumber {
			p.i--
			return p.errHere()
		}
		_, _ = fmt.Sscan(t.text, &st.limit)
	}
	return nil
}

func parseExpr(p *parser) (*expr, *Error) {
	t := p.peek()
	start := t.pos
	var e *expr
	switch {
	case t.isPunct("*"):
		p.i++
		e = &expr{kind: eStar}
	case t.kind == tSysVar:
		p.i++
		e = &expr{kind: eVar, scope: t.scope, name: t.text}
	case t.kind == tUserVar:
		p.i++
		e = &expr{kind: eUserVar, name: strings.ToLower(t.text)}
	case t.kind == tIdent && !t.quoted && p.peekAt(1).isPunct("("):
		var err *Error
		if e, err = parseCall(p); err != nil {
			return nil, err
		}
	case t.kind == tIdent && !isClauseKeyword(t) && !t.is("NULL") && !t.is("TRUE") && !t.is("FALSE"):
		p.i++
		e = &expr{kind: eCol, name: strings.ToUpper(t.text)}
	default:
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		if v.kind == tIdent {
			v = value{kind: tNumber, text: map[bool]string{true: "1", false: "0"}[strings.EqualFold(v.text, "TRUE")]}
		}
		e = &expr{kind: eLit, lit: v}
	}
	end := len(p.src)
	if p.peek().kind != tEOF {
		end = p.peek().pos
	}
	e.text = strings.TrimSpace(p.src[start:end])
	if e.kind == eLit && e.lit.kind == tString {
		e.text = e.lit.text
	}
	if next := p.peek(); next.kind == tPunct && strings.Contains("+-/<>|&", next.text) {
		return nil, p.errHere() // operators are not ours: the statement goes to the data store
	}
	return e, nil
}

func parseCall(p *parser) (*expr, *Error) {
	name := strings.ToLower(p.next().text)
	if !adminFunctions[name] && !strings.HasPrefix(name, "group_replication_") {
		return nil, p.errHere()
	}
	p.i++ // (
	e := &expr{kind: eFunc, name: name}
	if p.acceptPunct(")") {
		return e, nil
	}
	for {
		arg, err := parseExpr(p)
		if err != nil {
			return nil, err
		}
		e.args = append(e.args, arg)
		if p.acceptPunct(")") {
			return e, nil
		}
		if err := p.expectPunct(","); err != nil {
			return nil, err
		}
	}
}

// execSelect evaluates an admin SELECT with the group lock held.
func (m *Member) execSelect(ctx context.Context, s *Session, p *parser) (Result, error) {
	st, perr := parseSelect(p)
	if perr != nil {
		return Result{}, perr
	}
	if st.schema == "" {
		return m.selectNoTable(ctx, s, st)
	}
	// Privileges first: an account without them learns nothing, not even whether the table exists.
	if err := s.checkSelect(st.schema, st.table); err != nil {
		return Result{}, err
	}
	tbl, err := m.table(st.schema, st.table)
	if err != nil {
		return Result{}, err
	}
	return m.selectTable(ctx, s, st, tbl)
}

func (m *Member) selectNoTable(ctx context.Context, s *Session, st *selectStmt) (Result, error) {
	var r Result
	row := make([]any, 0, len(st.items))
	for _, it := range st.items {
		if it.e.kind == eCol || it.e.kind == eStar {
			if it.e.kind == eStar {
				return Result{}, sqlErr(1096, "HY000", "No tables used")
			}
			return Result{}, errBadField(it.e.name, "field list")
		}
		v, err := m.eval(ctx, s, it.e)
		if err != nil {
			return Result{}, err
		}
		r.Columns = append(r.Columns, columnFor(label(it), v))
		row = append(row, v)
	}
	r.Rows = [][]any{row}
	if st.limit == 0 {
		r.Rows = nil
	}
	return r, nil
}

func label(it selectItem) string {
	if it.alias != "" {
		return it.alias
	}
	return it.e.text
}

func columnFor(name string, v any) Column {
	switch v.(type) {
	case int64:
		return Column{Name: name, Type: TypeLongLong}
	case uint64:
		return Column{Name: name, Type: TypeLongLong, Unsigned: true}
	case float64:
		return Column{Name: name, Type: TypeDouble}
	}
	return Column{Name: name, Type: TypeVarchar}
}

func (m *Member) selectTable(ctx context.Context, s *Session, st *selectStmt, tbl *tableData) (Result, error) {
	rows, err := m.filterRows(ctx, s, st, tbl)
	if err != nil {
		return Result{}, err
	}
	if hasCount(st.items) {
		return m.selectCount(ctx, s, st, tbl, rows)
	}
	var r Result
	var idx []int // column index, or -1 for a constant expression
	consts := map[int]any{}
	for _, it := range st.items {
		if it.e.kind == eStar {
			for i, c := range tbl.cols {
				idx = append(idx, i)
				r.Columns = append(r.Columns, Column{Name: c.Name, Table: tbl.name, Schema: tbl.schema, Type: c.Type,
					Unsigned: c.Unsigned})
			}
			continue
		}
		if it.e.kind != eCol { // @@variables, literals and functions: the same value on every row
			v, err := m.eval(ctx, s, it.e)
			if err != nil {
				return Result{}, err
			}
			consts[len(idx)] = v
			idx = append(idx, -1)
			r.Columns = append(r.Columns, columnFor(label(it), v))
			continue
		}
		i := tbl.col(it.e.name)
		if i < 0 {
			return Result{}, errBadField(strings.ToLower(it.e.name), "field list")
		}
		c := tbl.cols[i]
		idx = append(idx, i)
		r.Columns = append(r.Columns, Column{Name: label(it), Table: tbl.name, Schema: tbl.schema, Type: c.Type,
			Unsigned: c.Unsigned})
	}
	for _, row := range rows {
		out := make([]any, len(idx))
		for j, i := range idx {
			if i < 0 {
				out[j] = consts[j]
			} else {
				out[j] = row[i]
			}
		}
		r.Rows = append(r.Rows, out)
	}
	if r.Rows == nil {
		r.Rows = [][]any{}
	}
	return r, nil
}

func (m *Member) filterRows(ctx context.Context, s *Session, st *selectStmt, tbl *tableData) ([][]any, error) {
	var rows [][]any
	for _, row := range tbl.rows {
		keep := true
		for _, c := range st.where {
			i := tbl.col(c.col)
			if i < 0 {
				return nil, errBadField(strings.ToLower(c.col), "where clause")
			}
			v, err := m.eval(ctx, s, c.rhs)
			if err != nil {
				return nil, err
			}
			eq := row[i] != nil && v != nil && strings.EqualFold(fmt.Sprint(row[i]), fmt.Sprint(v))
			if eq == (c.op != "=") {
				keep = false
			}
		}
		if keep {
			rows = append(rows, row)
		}
	}
	if st.orderBy != "" {
		i := tbl.col(st.orderBy)
		if i < 0 {
			return nil, errBadField(strings.ToLower(st.orderBy), "order clause")
		}
		sort.SliceStable(rows, func(a, b int) bool {
			return (fmt.Sprint(rows[a][i]) < fmt.Sprint(rows[b][i])) != st.desc
		})
	}
	if st.limit >= 0 && len(rows) > st.limit {
		rows = rows[:st.limit]
	}
	return rows, nil
}

func hasCount(items []selectItem) bool {
	for _, it := range items {
		if it.e.kind == eFunc && it.e.name == "count" {
			return true
		}
	}
	return false
}

// selectCount answers SELECT COUNT(*) / COUNT(col) [, constants] FROM a simulated table: one row.
// A plain column beside the aggregate is ER 1140, as with MySQL's default ONLY_FULL_GROUP_BY.
func (m *Member) selectCount(ctx context.Context, s *Session, st *selectStmt, tbl *tableData,
	rows [][]any) (Result, error) {
	r := Result{Rows: [][]any{{}}}
	for n, it := range st.items {
		var v any
		switch {
		case it.e.kind == eFunc && it.e.name == "count":
			c, err := countRows(it.e, tbl, rows)
			if err != nil {
				return Result{}, err
			}
			v = c
		case it.e.kind == eCol || it.e.kind == eStar:
			return Result{}, sqlErr(1140, "42000", "In aggregated query without GROUP BY, expression #%d of SELECT "+
				"list contains nonaggregated column '%s.%s.%s'; this is incompatible with sql_mode=only_full_group_by",
				n+1, tbl.schema, tbl.name, it.e.name)
		default:
			var err *Error
			if v, err = m.eval(ctx, s, it.e); err != nil {
				return Result{}, err
			}
		}
		r.Columns = append(r.Columns, columnFor(label(it), v))
		r.Rows[0] = append(r.Rows[0], v)
	}
	return r, nil
}

func countRows(e *expr, tbl *tableData, rows [][]any) (int64, *Error) {
	if len(e.args) != 1 {
		return 0, errParse(e.text, 1)
	}
	if e.args[0].kind == eStar {
		return int64(len(rows)), nil
	}
	i := tbl.col(e.args[0].name)
	if e.args[0].kind != eCol || i < 0 {
		return 0, errBadField(strings.ToLower(e.args[0].name), "field list")
	}
	var n int64
	for _, row := range rows {
		if row[i] != nil {
			n++
		}
	}
	return n, nil
}
