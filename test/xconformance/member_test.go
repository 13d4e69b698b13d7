package xconformance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orca-operator/orca/xprotocol"
)

// typedColumns covers every X Protocol column type the codec supports.
var typedColumns = []xprotocol.ColumnMetaData{
	{Type: xprotocol.ColumnSint, Name: "c_sint", Length: 11},
	{Type: xprotocol.ColumnUint, Name: "c_uint", Length: 20, Flags: xprotocol.FlagUnsigned},
	{Type: xprotocol.ColumnDouble, Name: "c_double", Length: 22, FractionalDigits: 31},
	{Type: xprotocol.ColumnFloat, Name: "c_float", Length: 12, FractionalDigits: 31},
	{Type: xprotocol.ColumnBytes, Name: "c_text", Collation: xprotocol.CollationUTF8MB4Ai0900, Length: 40},
	{Type: xprotocol.ColumnBytes, Name: "c_blob", Collation: xprotocol.CollationBinary, Length: 40},
	{Type: xprotocol.ColumnTime, Name: "c_time", Length: 17},
	{Type: xprotocol.ColumnDecimal, Name: "c_decimal", Length: 10, FractionalDigits: 3},
	{Type: xprotocol.ColumnDatetime, Name: "c_datetime", Length: 26, ContentType: xprotocol.ContentTypeDatetime},
	{Type: xprotocol.ColumnDatetime, Name: "c_date", Length: 10, ContentType: xprotocol.ContentTypeDate},
	{Type: xprotocol.ColumnSet, Name: "c_set", Collation: xprotocol.CollationUTF8MB4Ai0900, Length: 5},
	{Type: xprotocol.ColumnEnum, Name: "c_enum", Collation: xprotocol.CollationUTF8MB4Ai0900, Length: 1},
	{Type: xprotocol.ColumnBit, Name: "c_bit", Length: 8},
	{Type: xprotocol.ColumnSint, Name: "c_null", Length: 11},
}

var typedRow = []any{
	int64(-5), uint64(18446744073709551615), 3.25, float32(1.5), "héllo", []byte{0x00, 0xff},
	-(time.Hour + 2*time.Minute + 3*time.Second + 4*time.Microsecond), "-12.340",
	time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
	[]string{"a", "c"}, "b", uint64(5), nil,
}

// memberHandler is a fake MySQL member: a few fixed statements with known answers.
func memberHandler(_ context.Context, s *xprotocol.ServerSession, stmt string, args []xprotocol.Any,
	w xprotocol.ResultWriter) error {
	switch strings.TrimSpace(stmt) {
	case "SELECT 1":
		if err := w.WriteColumns(xprotocol.ColumnMetaData{Type: xprotocol.ColumnSint, Name: "1", Length: 1}); err != nil {
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
			if err := w.WriteColumns(xprotocol.ColumnMetaData{Type: xprotocol.ColumnSint, Name: fmt.Sprintf("set%d", set)}); err != nil {
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
		return w.WriteWarning(xprotocol.Warning{Level: xprotocol.WarningNote, Code: 1265, Msg: "Data truncated"})
	case "SELECT @@orca_session":
		return sessionInfo(s, w)
	}
	return xprotocol.NewError(1146, "42S02", "Table 'orca.%s' doesn't exist", strings.Fields(stmt)[len(strings.Fields(stmt))-1])
}

// echoArgs answers one row holding the arguments, typed like the scalars the client sent.
func echoArgs(args []xprotocol.Any, w xprotocol.ResultWriter) error {
	cols := make([]xprotocol.ColumnMetaData, len(args))
	row := make([]any, len(args))
	for i, a := range args {
		cols[i].Name = fmt.Sprintf("arg%d", i)
		sc := a.Scalar
		switch sc.Type {
		case xprotocol.ScalarSint:
			cols[i].Type, row[i] = xprotocol.ColumnSint, sc.Sint
		case xprotocol.ScalarUint:
			cols[i].Type, row[i] = xprotocol.ColumnUint, sc.Uint
		case xprotocol.ScalarDouble:
			cols[i].Type, row[i] = xprotocol.ColumnDouble, sc.Double
		case xprotocol.ScalarFloat:
			cols[i].Type, row[i] = xprotocol.ColumnDouble, float64(sc.Float)
		case xprotocol.ScalarBool:
			cols[i].Type, row[i] = xprotocol.ColumnSint, sc.Bool
		case xprotocol.ScalarNull:
			cols[i].Type, row[i] = xprotocol.ColumnSint, nil
		default:
			cols[i].Type, cols[i].Collation, row[i] = xprotocol.ColumnBytes, xprotocol.CollationUTF8MB4Ai0900, string(sc.Bytes)
		}
	}
	if err := w.WriteColumns(cols...); err != nil {
		return err
	}
	return w.WriteRow(row...)
}

// sessionInfo answers what the server side recorded about the session: user, mechanism, TLS, client name.
func sessionInfo(s *xprotocol.ServerSession, w xprotocol.ResultWriter) error {
	text := func(name string) xprotocol.ColumnMetaData {
		return xprotocol.ColumnMetaData{Type: xprotocol.ColumnBytes, Name: name, Collation: xprotocol.CollationUTF8MB4Ai0900}
	}
	if err := w.WriteColumns(text("user"), text("mech"), xprotocol.ColumnMetaData{Type: xprotocol.ColumnSint, Name: "tls"},
		text("client")); err != nil {
		return err
	}
	return w.WriteRow(s.User(), s.AuthMechanism(), s.TLS(), s.ConnectAttrs()["_client_name"])
}
