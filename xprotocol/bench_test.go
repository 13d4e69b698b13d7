package xprotocol_test

import (
	"context"
	"net"
	"testing"

	"github.com/orca-operator/orca/xprotocol"
	"github.com/orca-operator/orca/xprotocol/internal/benchkit"
	"github.com/orca-operator/orca/xprotocol/wire"
)

// Benchmarks for `make bench-xprotocol`; internal/benchcmp prints them beside their targets, with the
// server side in another process so that only the client is measured.

func benchSession(b *testing.B, rows int) *xprotocol.Session {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := benchkit.Serve(l, rows)
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	s, err := xprotocol.Dial(context.Background(), l.Addr().String(),
		xprotocol.Config{User: benchkit.User, Password: benchkit.Password})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func BenchmarkPing(b *testing.B) {
	s := benchSession(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Ping(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRows100k(b *testing.B) {
	const n = 100_000
	s := benchSession(b, n)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var total int64
	for i := 0; i < b.N; i++ {
		rows, err := s.Query(ctx, "SELECT *")
		if err != nil {
			b.Fatal(err)
		}
		got, bytes, err := benchkit.DecodeAll(rows)
		if err != nil || got != n {
			b.Fatalf("rows %d, err %v", got, err)
		}
		total += bytes
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(total)/b.Elapsed().Seconds()/1e6, "MB/s")
}

func BenchmarkDecodeValue(b *testing.B) {
	fields := benchkit.RowFields()
	var v wire.Value
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for c := range benchkit.Columns {
			if err := wire.DecodeValue(&benchkit.Columns[c], fields[c], &v); err != nil {
				b.Fatal(err)
			}
		}
	}
}
