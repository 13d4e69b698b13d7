// Package benchkit holds what the X Protocol benchmarks and the benchcmp runner share: a server streaming a
// typical monitoring result, its columns and a decode loop.
package benchkit

import (
	"context"
	"net"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

// Credentials of the benchmark server's account.
const (
	User     = "bench"
	Password = "bench-pw"
)

// Serve starts a benchmark server on l: any SQL statement streams rows rows of Columns.
func Serve(l net.Listener, rows int) *xserver.Server {
	srv := &xserver.Server{Handler: RowsHandler(rows), Credentials: xserver.NewStaticCredentials(
		xserver.Account{User: User, Password: Password, Plugin: wire.PluginNativePassword})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.Serve(l) }()
	<-started
	return srv
}

// RowsHandler streams n identical pre-encoded rows of Columns for any statement.
func RowsHandler(n int) xserver.Handler {
	fields := RowFields()
	return xserver.HandlerFunc(func(_ context.Context, _ *xserver.ServerSession, _ string, _ []wire.Any,
		w xserver.ResultWriter) error {
		if err := w.WriteColumns(Columns...); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := w.WriteRawRow(fields...); err != nil {
				return err
			}
		}
		return nil
	})
}

// Columns is a typical monitoring row: integers, text, a double, a datetime and a decimal.
var Columns = []wire.ColumnMetaData{
	{Type: wire.ColumnSint, Name: "id"}, {Type: wire.ColumnUint, Name: "n"},
	{Type: wire.ColumnBytes, Name: "host", Collation: wire.CollationUTF8MB4Ai0900},
	{Type: wire.ColumnDouble, Name: "lag"}, {Type: wire.ColumnDatetime, Name: "at"},
	{Type: wire.ColumnDecimal, Name: "amount"},
}

// RowFields encodes one row of Columns.
func RowFields() [][]byte {
	dec, _ := wire.AppendDecimalField(nil, "12345.67")
	return [][]byte{wire.AppendSintField(nil, -123456), wire.AppendUintField(nil, 987654321),
		wire.AppendStringField(nil, "member-2.orca-instances.default.svc"), wire.AppendDoubleField(nil, 0.25),
		wire.AppendDateTimeField(nil, wire.DateTime{
			Year: 2026, Month: 11, Day: 25, Hour: 20, Minute: 1, Second: 2, HasTime: true}),
		dec}
}

// DecodeAll reads every row of rows, decoding every field; it returns rows and field bytes seen.
func DecodeAll(rows *xprotocol.Rows) (n int, bytes int64, err error) {
	for rows.Next() {
		for i := range rows.Columns() {
			if _, err := rows.Value(i); err != nil {
				return n, bytes, err
			}
			bytes += int64(len(rows.Field(i)))
		}
		n++
	}
	return n, bytes, rows.Close()
}
