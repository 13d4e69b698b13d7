package xprotocol

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

// typedHandler answers "SELECT typed" with one row of every kind Scan handles, "SELECT ?" with its
// arguments echoed as text (the type name first), "SELECT none" with no row.
var typedHandler = xserver.HandlerFunc(func(_ context.Context, _ *xserver.ServerSession, stmt string,
	args []wire.Any, w xserver.ResultWriter) error {
	switch stmt {
	case "SELECT typed":
		return writeTyped(w)
	case "SELECT none":
		return w.WriteColumns(wire.ColumnMetaData{Type: wire.ColumnSint, Name: "n"})
	case "SELECT ?, ?, ?, ?, ?":
		cols := make([]wire.ColumnMetaData, len(args))
		vals := make([]any, len(args))
		for i, a := range args {
			cols[i] = wire.ColumnMetaData{Type: wire.ColumnBytes, Name: "a"}
			vals[i] = a.String()
		}
		if err := w.WriteColumns(cols...); err != nil {
			return err
		}
		return w.WriteRow(vals...)
	}
	return wire.NewError(1064, "42000", "syntax error near '%s'", stmt)
})

func writeTyped(w xserver.ResultWriter) error {
	if err := w.WriteColumns(
		wire.ColumnMetaData{Type: wire.ColumnSint, Name: "i"}, wire.ColumnMetaData{Type: wire.ColumnUint, Name: "u"},
		wire.ColumnMetaData{Type: wire.ColumnBytes, Name: "s"}, wire.ColumnMetaData{Type: wire.ColumnDouble, Name: "f"},
		wire.ColumnMetaData{Type: wire.ColumnDatetime, Name: "t"}, wire.ColumnMetaData{Type: wire.ColumnTime, Name: "d"},
		wire.ColumnMetaData{Type: wire.ColumnBytes, Name: "null"}, wire.ColumnMetaData{Type: wire.ColumnBytes, Name: "on"},
	); err != nil {
		return err
	}
	when := wire.DateTime{Year: 2024, Month: 2, Day: 29, Hour: 1, Minute: 2, Second: 3, HasTime: true}
	return w.WriteRow(-7, uint64(1<<63), "héllo", 0.5, when, 90*time.Minute, nil, "ON")
}

func TestQueryRowScanTypes(t *testing.T) {
	addr := startServer(t, &xserver.Server{Handler: typedHandler, Credentials: accounts()})
	s := dial(t, addr, Config{User: "native", Password: "n-pw"})
	var (
		i    int64
		u    uint64
		str  string
		f    float64
		when time.Time
		d    time.Duration
		null *string
		on   bool
	)
	if err := s.QueryRow(testCtx(t), "SELECT typed").Scan(&i, &u, &str, &f, &when, &d, &null, &on); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 2, 29, 1, 2, 3, 0, time.UTC)
	if i != -7 || u != 1<<63 || str != "héllo" || f != 0.5 || !when.Equal(want) || d != 90*time.Minute ||
		null != nil || !on {
		t.Fatalf("scanned %d %d %q %v %v %v %v %v", i, u, str, f, when, d, null, on)
	}
	var small int32
	var other string
	err := s.QueryRow(testCtx(t), "SELECT typed").Scan(&small, &small, &other, &other, &other, &other, &other, &other)
	if !errors.Is(err, wire.ErrType) {
		t.Fatalf("uint64 1<<63 into int32: %v, want ErrType", err)
	}
	err = s.QueryRow(testCtx(t), "SELECT typed").Scan(&i, &u, &str, &f, &when, &d, &other, &on)
	if !errors.Is(err, wire.ErrNull) {
		t.Fatalf("NULL into *string: %v, want ErrNull", err)
	}
	if err := s.QueryRow(testCtx(t), "SELECT none").Scan(&i); !errors.Is(err, ErrNoRows) {
		t.Fatalf("no row: %v, want ErrNoRows", err)
	}
	var xe *wire.Error
	if err := s.QueryRow(testCtx(t), "SELEKT").Scan(&i); !errors.As(err, &xe) || xe.Code != 1064 {
		t.Fatalf("server error: %v", err)
	}
}

// Go arguments reach the server as typed placeholders values.
func TestQueryArgumentsAreTyped(t *testing.T) {
	addr := startServer(t, &xserver.Server{Handler: typedHandler, Credentials: accounts()})
	s := dial(t, addr, Config{User: "native", Password: "n-pw"})
	var a, b, c, d, e string
	err := s.QueryRow(testCtx(t), "SELECT ?, ?, ?, ?, ?", -1, uint8(2), "it's", nil, true).Scan(&a, &b, &c, &d, &e)
	if err != nil {
		t.Fatal(err)
	}
	if a != "-1" || b != "2" || c != `"it's"` || d != "null" || e != "true" {
		t.Fatalf("server saw %s %s %s %s %s", a, b, c, d, e)
	}
	if _, err := s.Query(testCtx(t), "SELECT ?", struct{}{}); !errors.Is(err, wire.ErrType) {
		t.Fatalf("unsupported argument type: %v", err)
	}
}

// A command waiting for a session another caller holds gives up when its context ends.
func TestBusySessionHonoursContext(t *testing.T) {
	addr := startServer(t, &xserver.Server{Handler: typedHandler, Credentials: accounts()})
	s := dial(t, addr, Config{User: "native", Password: "n-pw"})
	rows, err := s.Query(testCtx(t), "SELECT typed") // holds the session until closed
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := s.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ping on a busy session: %v, want DeadlineExceeded", err)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(testCtx(t)); err != nil {
		t.Fatalf("session unusable after a waiter gave up: %v", err)
	}
}
