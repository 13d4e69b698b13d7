package xconformance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orca-operator/orca/xprotocol/wire"
	"github.com/orca-operator/orca/xprotocol/xserver"
)

// typedColumns covers every X Protocol column type the codec supports.
var typedColumns = []wire.ColumnMetaData{
	{Type: wire.ColumnSint, Name: "c_sint", Length: 11},
	{Type: wire.ColumnUint, Name: "c_uint", Length: 20, Flags: wire.FlagUnsigned},
	{Type: wire.ColumnDouble, Name: "c_double", Length: 22, FractionalDigits: 31},
	{Type: wire.ColumnFloat, Name: "c_float", Length: 12, FractionalDigits: 31},
	{Type: wire.ColumnBytes, Name: "c_text", Collation: wire.CollationUTF8MB4Ai0900, Length: 40},
	{Type: wire.ColumnBytes, Name: "c_blob", Collation: wire.CollationBinary, Length: 40},
	{Type: wire.ColumnTime, Name: "c_time", Length: 17},
	{Type: wire.ColumnDecimal, Name: "c_decimal", Length: 10, FractionalDigits: 3},
	{Type: wire.ColumnDatetime, Name: "c_datetime", Length: 26, ContentType: wire.ContentTypeDatetime},
	{Type: wire.ColumnDatetime, Name: "c_date", Length: 10, ContentType: wire.ContentTypeDate},
	{Type: wire.ColumnSet, Name: "c_set", Collation: wire.CollationUTF8MB4Ai0900, Length: 5},
	{Type: wire.ColumnEnum, Name: "c_enum", Collation: wire.CollationUTF8MB4Ai0900, Length: 1},
	{Type: wire.ColumnBit, Name: "c_bit", Length: 8},
	{Type: wire.ColumnSint, Name: "c_null", Length: 11},
}

var typedRow = []any{
	int64(-5), uint64(18446744073709551615), 3.25, float32(1.5), "héllo", []byte{0x00, 0xff},
	-(time.Hour + 2*time.Minute + 3*time.Second + 4*time.Microsecond), "-12.340",
	time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
	[]string{"a", "c"}, "b", uint64(5), nil,
}

// memberHandler is a fake MySQL member: a few fixed statements with known answers.
func memberHandler(_ context.Context, s *xserver.ServerSession, stmt string, args []wire.Any,
	w xserver.ResultWriter) error {
	switch strings.TrimSpace(stmt) {
	case "SELECT 1":
		if err := w.WriteColumns(wire.ColumnMetaData{Type: wire.ColumnSint, Name: "1", Length: 1}); err != nil {
			return err
		}
		return w.WriteRow(1)
	case "SELECT typed":
		if err := w.WriteColumns(typedColumns...); err != nil {
			return err
		}
		return w.WriteRow(typedRow...)
	case "SELECT ?, ?, ?, ?":
		return echoArgs(args, w)
	case "SELECT multi":
		for set := 1; set <= 2; set++ {
			if err := w.WriteColumns(wire.ColumnMetaData{Type: wire.ColumnSint, Name: fmt.Sprintf("set%d",
				set)}); err != nil {
				return err
			}
			for i := 0; i < set; i++ {
				if err := w.WriteRow(set*10 + i); err != nil {
					return err
				}
			}
		}
		return nil
	case "INSERT INTO t VALUES (1), (2), (3)":
		w.SetRowsAffected(3)
		w.SetLastInsertID(42)
		return w.WriteWarning(wire.Warning{Level: wire.WarningNote, Code: 1265, Msg: "Data truncated"})
	case "SELECT @@orca_session":
		return sessionInfo(s, w)
	}
	return wire.NewError(1146, "42S02", "Table 'orca.%s' doesn't exist",
		strings.Fields(stmt)[len(strings.Fields(stmt))-1])
}

// echoArgs answers one row holding the arguments, typed like the scalars the client sent.
func echoArgs(args []wire.Any, w xserver.ResultWriter) error {
	cols := make([]wire.ColumnMetaData, len(args))
	row := make([]any, len(args))
	for i, a := range args {
		cols[i].Name = fmt.Sprintf("arg%d", i)
		sc := a.Scalar
		switch sc.Type {
		case wire.ScalarSint:
			cols[i].Type, row[i] = wire.ColumnSint, sc.Sint
		case wire.ScalarUint:
			cols[i].Type, row[i] = wire.ColumnUint, sc.Uint
		case wire.ScalarDouble:
			cols[i].Type, row[i] = wire.ColumnDouble, sc.Double
		case wire.ScalarFloat:
			cols[i].Type, row[i] = wire.ColumnDouble, float64(sc.Float)
		case wire.ScalarBool:
			cols[i].Type, row[i] = wire.ColumnSint, sc.Bool
		case wire.ScalarNull:
			cols[i].Type, row[i] = wire.ColumnSint, nil
		default:
			cols[i].Type, cols[i].Collation, row[i] = wire.ColumnBytes, wire.CollationUTF8MB4Ai0900, string(sc.Bytes)
		}
	}
	if err := w.WriteColumns(cols...); err != nil {
		return err
	}
	return w.WriteRow(row...)
}

// sessionInfo answers what the server side recorded about the session: user, mechanism, TLS, client name.
func sessionInfo(s *xserver.ServerSession, w xserver.ResultWriter) error {
	text := func(name string) wire.ColumnMetaData {
		return wire.ColumnMetaData{Type: wire.ColumnBytes, Name: name, Collation: wire.CollationUTF8MB4Ai0900}
	}
	if err := w.WriteColumns(text("user"), text("mech"), wire.ColumnMetaData{Type: wire.ColumnSint, Name: "tls"},
		text("client")); err != nil {
		return err
	}
	return w.WriteRow(s.User(), s.AuthMechanism(), s.TLS(), s.ConnectAttrs()["_client_name"])
}
