package xconformance

import (
	"encoding/json"
	"strings"
	"testing"
)

// dataSteps exercise typed rows, arguments, multiple result sets, rows affected, errors and ping.
var dataSteps = []nodeStep{
	{SQL: "SELECT typed"},
	{SQL: "SELECT ?, ?, ?, ?", Args: []any{-7, "x", 2.5, true}},
	{SQL: "SELECT multi"},
	{SQL: "INSERT INTO t VALUES (1), (2), (3)"},
	{SQL: "SELECT nosuch"},
	{Ping: true},
	{SQL: "SELECT @@orca_session"},
}

func TestNodeMySQL41(t *testing.T) {
	requireConnector(t)
	m := startMember(t)
	for _, auth := range []string{"MYSQL41", ""} {
		o := runNode(t, m.nodeConnect(nativeUser, nativePassword, auth, false), dataSteps...)
		checkNodeData(t, o, nativeUser, "MYSQL41", false)
	}
}

func TestNodeSHA256MemoryAfterPlain(t *testing.T) {
	requireConnector(t)
	m := startMember(t)
	// Before any PLAIN login the cache is empty: MYSQL41 and the SHA256_MEMORY fallback both fail.
	o := runNode(t, m.nodeConnect(sha2User, sha2Password, "", false))
	wantNodeError(t, o, 1045)
	o = runNode(t, m.nodeConnect(sha2User, sha2Password, "", true), dataSteps...)
	checkNodeData(t, o, sha2User, "PLAIN", true)
	for _, auth := range []string{"SHA256_MEMORY", ""} { // explicit, then the connector's fallback
		o = runNode(t, m.nodeConnect(sha2User, sha2Password, auth, false), dataSteps...)
		checkNodeData(t, o, sha2User, "SHA256_MEMORY", false)
	}
}

func TestNodeBadPassword(t *testing.T) {
	requireConnector(t)
	m := startMember(t)
	wantNodeError(t, runNode(t, m.nodeConnect(nativeUser, "wrong", "MYSQL41", false)), 1045)
	wantNodeError(t, runNode(t, m.nodeConnect(sha2User, "wrong", "", true)), 1045)
	wantNodeError(t, runNode(t, m.nodeConnect("nobody", "x", "", false)), 1045)
}

func wantNodeError(t *testing.T, o nodeOutput, code int) {
	t.Helper()
	if o.OK || o.Error == nil || o.Error.Code == nil || *o.Error.Code != code {
		t.Fatalf("connector result %+v, want error %d", o, code)
	}
}

func checkNodeData(t *testing.T, o nodeOutput, user, mech string, tls bool) {
	t.Helper()
	if !o.OK || len(o.Steps) != len(dataSteps) {
		t.Fatalf("connector failed: %+v", o)
	}
	typed := o.Steps[0].Sets[0]
	wantTypes := "INT,UNSIGNED BIGINT,DOUBLE,FLOAT,STRING,BYTES,TIME,DECIMAL,DATETIME,DATE,SET,ENUM,BIT,INT"
	var types []string
	for _, c := range typed.Columns {
		types = append(types, c.Type)
	}
	if got := strings.Join(types, ","); got != wantTypes {
		t.Errorf("column types %s, want %s", got, wantTypes)
	}
	wantRow := `[-5,"18446744073709551615",3.25,1.5,"héllo",{"hex":"00ff"},"-01:02:03.000004",-12.34,` +
		`{"date":"2024-02-29T13:14:15.123Z"},{"date":"2024-03-01T00:00:00.000Z"},["a","c"],"b","5",null]`
	if got := rowJSON(t, typed.Rows[0]); got != wantRow {
		t.Errorf("typed row\n got %s\nwant %s", got, wantRow)
	}
	if got := rowJSON(t, o.Steps[1].Sets[0].Rows[0]); got != `[-7,"x",2.5,1]` {
		t.Errorf("echoed arguments %s", got)
	}
	multi := o.Steps[2].Sets
	if len(multi) != 2 || len(multi[0].Rows) != 1 || len(multi[1].Rows) != 2 || rowJSON(t, multi[1].Rows[1]) != "[21]" {
		t.Errorf("multiple result sets: %+v", multi)
	}
	ins := o.Steps[3]
	if ins.Affected != 3 || ins.InsertID != 42 || len(ins.Warnings) != 1 || ins.Warnings[0].Code != 1265 {
		t.Errorf("insert result %+v", ins)
	}
	if e := o.Steps[4].Error; e == nil || e.Code == nil || *e.Code != 1146 || e.Message != "Table 'orca.nosuch' doesn't exist" {
		t.Errorf("error step %+v", o.Steps[4])
	}
	if !o.Steps[5].Ping {
		t.Errorf("ping step %+v", o.Steps[5])
	}
	tlsFlag := "0"
	if tls {
		tlsFlag = "1"
	}
	want := `["` + user + `","` + mech + `",` + tlsFlag + `,"mysql-connector-nodejs"]`
	if got := rowJSON(t, o.Steps[6].Sets[0].Rows[0]); got != want {
		t.Errorf("server-side session %s, want %s", got, want)
	}
}

func rowJSON(t *testing.T, row []json.RawMessage) string {
	t.Helper()
	b, err := json.Marshal(row)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
