package classic

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Fuzz targets of the binary protocol; seed corpora in testdata/fuzz/<Target>/ hold packets recorded from
// go-sql-driver and sysbench (libmariadb) plus hand-built ones for every parameter type.
//   go test ./test/mysqlsim/classic -run '^$' -fuzz FuzzParseStmtExecute -fuzztime 30s
//   go test ./test/mysqlsim/classic -run '^$' -fuzz FuzzParseChangeUser -fuzztime 30s

// FuzzParseStmtExecute feeds arbitrary COM_STMT_EXECUTE payloads to the parser, for statements of up to 255
// parameters, with or without types bound by an earlier execution, the first eight possibly sent before with
// COM_STMT_SEND_LONG_DATA (bits of long). Whatever parses holds one value per parameter, and every value
// survives the server's binary encoder (result rows use the parameter formats) and decodes back to itself.
func FuzzParseStmtExecute(f *testing.F) {
	f.Fuzz(func(t *testing.T, params uint8, rebind bool, long uint8, payload []byte) {
		n := int(params)
		var prev []paramType
		if rebind {
			prev = fuzzParamTypes(n)
		}
		longData := map[int][]byte{}
		for i := 0; i < 8 && i < n; i++ {
			if long&(1<<i) != 0 {
				longData[i] = []byte("long data")
			}
		}
		req, serr := parseExecute(payload, n, prev, longData)
		if serr != nil {
			return
		}
		if n > 0 && (len(req.args) != n || len(req.types) != n) {
			t.Fatalf("%d parameters gave %d values and %d types", n, len(req.args), len(req.types))
		}
		for i, v := range req.args {
			if _, isLong := longData[i]; v == nil || isLong {
				continue
			}
			pt := req.types[i]
			enc, ok := appendBinaryCell(nil, v, &columnDef{Column: Column{Type: pt.t}})
			if !ok {
				t.Fatalf("parameter %d: %#v (type 0x%02x) does not encode", i, v, uint8(pt.t))
			}
			back, err := decodeBinaryValue(&decoder{b: enc}, pt)
			if err != nil || fmt.Sprintf("%#v", back) != fmt.Sprintf("%#v", v) {
				t.Fatalf("parameter %d: %#v encodes as %q, which decodes as %#v (%v)", i, v, enc, back, err)
			}
		}
	})
}

// fuzzParamTypes cycles through the parameter types for executions that reuse earlier bindings.
func fuzzParamTypes(n int) []paramType {
	all := []ColumnType{TypeTiny, TypeShort, TypeLong, TypeLongLong, TypeFloat, TypeDouble, TypeDatetime, TypeDate,
		TypeTime, TypeVarString, TypeBlob, TypeDecimal, TypeNull, TypeYear, TypeInt24}
	types := make([]paramType, n)
	for i := range types {
		types[i] = paramType{t: all[i%len(all)], unsigned: i%2 == 1}
	}
	return types
}

// FuzzParseChangeUser feeds arbitrary COM_CHANGE_USER payloads to the parser under arbitrary capabilities.
// Whatever parses must re-encode and parse back to the same user, auth data, schema, plugin and attributes.
func FuzzParseChangeUser(f *testing.F) {
	f.Fuzz(func(t *testing.T, caps uint32, payload []byte) {
		r, err := parseChangeUser(payload, caps)
		if err != nil {
			return
		}
		if caps&capSecureConnection != 0 && len(r.authResp) > 255 {
			t.Fatalf("auth data of %d bytes behind a 1-byte length", len(r.authResp))
		}
		again, err := parseChangeUser(changeUserBytes(r), caps)
		if err != nil {
			t.Fatalf("re-encoded COM_CHANGE_USER does not parse: %v", err)
		}
		if again.user != r.user || string(again.authResp) != string(r.authResp) || again.schema != r.schema ||
			again.plugin != r.plugin || !reflect.DeepEqual(again.attrs, r.attrs) {
			t.Fatalf("round trip changed %+v into %+v", r, again)
		}
	})
}

// changeUserBytes encodes a parsed COM_CHANGE_USER payload again in its canonical form.
func changeUserBytes(r *handshakeResponse) []byte {
	b := append([]byte(r.user), 0)
	if r.caps&capSecureConnection != 0 {
		b = append(append(b, byte(len(r.authResp))), r.authResp...)
	} else {
		b = append(append(b, r.authResp...), 0)
	}
	b = append(append(b, r.schema...), 0)
	b = append(b, r.charset, 0)
	if r.caps&capPluginAuth != 0 {
		b = append(append(b, r.plugin...), 0)
	}
	if r.caps&capConnectAttrs != 0 && r.attrs != nil {
		keys := make([]string, 0, len(r.attrs))
		for k := range r.attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var attrs []byte
		for _, k := range keys {
			attrs = appendLenEncString(appendLenEncString(attrs, k), r.attrs[k])
		}
		b = appendLenEncBytes(b, attrs)
	}
	return b
}

// fuzzPreparer lets FuzzConnection reach the binary protocol: every statement prepares, with one parameter
// per '?', and executes by echoing its arguments as a binary row (or an error, or an OK).
var fuzzPreparer = PreparerFunc(func(_ context.Context, _ *Conn, sql string) (Stmt, error) {
	if strings.HasPrefix(sql, "BAD") {
		return nil, NewSQLError(1064, "42000", "syntax error near '%s'", sql)
	}
	return &fuzzStmt{params: strings.Count(sql, "?"), sql: sql}, nil
})

type fuzzStmt struct {
	params int
	sql    string
}

func (s *fuzzStmt) NumParams() int    { return s.params }
func (s *fuzzStmt) Columns() []Column { return echoColumns(min(s.params, 3)) }
func (s *fuzzStmt) Close() error      { return nil }

func (s *fuzzStmt) Execute(_ context.Context, _ *Conn, args []any) ([]*Result, error) {
	switch {
	case len(args) == 0:
		return []*Result{{AffectedRows: 1}}, nil
	case len(s.sql)%5 == 0:
		return nil, NewSQLError(1146, "42S02", "Table 'test.nope' doesn't exist")
	}
	return []*Result{{Columns: echoColumns(len(args)), Rows: [][]any{args, args}}}, nil
}
