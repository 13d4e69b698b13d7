package xprotocol

import (
	"context"
	"net"
	"testing"
)

// Benchmarks for `make bench-xprotocol` (the runner in internal/benchcmp prints them beside their targets).

func BenchmarkPing(b *testing.B) {
	addr := startServer(b, &Server{Handler: echoHandler, Credentials: accounts()})
	s := dial(b, addr, Config{User: "native", Password: "n-pw"})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// RowsHandler streams n identical pre-encoded rows of BenchColumns for any statement.
func RowsHandler(n int) Handler {
	fields := BenchRowFields()
	return HandlerFunc(func(_ context.Context, _ *ServerSession, _ string, _ []Any, w ResultWriter) error {
		if err := w.WriteColumns(BenchColumns...); err != nil {
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

// BenchColumns is a typical monitoring row: integers, text, a double, a datetime and a decimal.
var BenchColumns = []ColumnMetaData{
	{Type: ColumnSint, Name: "id"}, {Type: ColumnUint, Name: "n"},
	{Type: ColumnBytes, Name: "host", Collation: CollationUTF8MB4Ai0900},
	{Type: ColumnDouble, Name: "lag"}, {Type: ColumnDatetime, Name: "at"}, {Type: ColumnDecimal, Name: "amount"},
}

// BenchRowFields encodes one row of BenchColumns.
func BenchRowFields() [][]byte {
	dec, _ := AppendDecimalField(nil, "12345.67")
	return [][]byte{AppendSintField(nil, -123456), AppendUintField(nil, 987654321),
		AppendStringField(nil, "member-2.orca-instances.default.svc"), AppendDoubleField(nil, 0.25),
		AppendDateTimeField(nil, DateTime{Year: 2026, Month: 11, Day: 25, Hour: 20, Minute: 1, Second: 2, HasTime: true}),
		dec}
}

// DecodeAll reads every row of rows, decoding every field; it returns rows and field bytes seen.
func DecodeAll(rows *Rows) (n int, bytes int64, err error) {
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

func BenchmarkDecodeRows100k(b *testing.B) {
	const n = 100_000
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	_ = l.Close()
	addr := startServer(b, &Server{Handler: RowsHandler(n), Credentials: accounts()})
	s := dial(b, addr, Config{User: "native", Password: "n-pw"})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var total int64
	for i := 0; i < b.N; i++ {
		rows, err := s.Query(ctx, "SELECT *")
		if err != nil {
			b.Fatal(err)
		}
		got, bytes, err := DecodeAll(rows)
		if err != nil || got != n {
			b.Fatalf("rows %d, err %v", got, err)
		}
		total += bytes
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(total)/b.Elapsed().Seconds()/1e6, "MB/s")
}

func BenchmarkDecodeValue(b *testing.B) {
	fields := BenchRowFields()
	var v Value
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for c := range BenchColumns {
			if err := DecodeValue(&BenchColumns[c], fields[c], &v); err != nil {
				b.Fatal(err)
			}
		}
	}
}
