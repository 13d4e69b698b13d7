package classic

import (
	"database/sql"
	"math"
	"testing"
	"time"
)

type stringer struct{}

func (stringer) String() string { return "stringer" }

func TestFormatValue(t *testing.T) {
	ts := time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)
	cases := []struct {
		v    any
		t    ColumnType
		dec  uint8
		want string
	}{
		{int8(-3), TypeAuto, 0, "-3"},
		{uint16(65535), TypeAuto, 0, "65535"},
		{0.1, TypeAuto, 0, "0.1"},
		{float32(0.1), TypeAuto, 0, "0.1"},
		{1e21, TypeAuto, 0, "1e21"},
		{1e-7, TypeAuto, 0, "1e-7"},
		{math.Inf(1), TypeAuto, 0, "+Inf"},
		{true, TypeAuto, 0, "1"},
		{ts, TypeDatetime, 0, "2024-01-02 03:04:05"},
		{ts, TypeDatetime, 6, "2024-01-02 03:04:05.123456"},
		{ts, TypeDate, 0, "2024-01-02"},
		{ts, TypeTime, 3, "03:04:05.123"},
		{-(26*time.Hour + 5*time.Second + 1500*time.Microsecond), TypeTime, 6, "-26:00:05.001500"},
		{stringer{}, TypeAuto, 0, "stringer"},
		{struct{ A int }{1}, TypeAuto, 0, "{1}"},
	}
	for _, tc := range cases {
		if got := string(formatValue(tc.v, tc.t, tc.dec)); got != tc.want {
			t.Errorf("formatValue(%#v, %v, %d) = %q, want %q", tc.v, tc.t, tc.dec, got, tc.want)
		}
	}
}

func TestNormalizeNulls(t *testing.T) {
	var nilPtr *int
	s := "x"
	for _, v := range []any{nil, (*string)(nil), nilPtr, sql.NullString{}, sql.NullInt64{}, (*sql.NullString)(nil)} {
		if got := normalize(v); got != nil {
			t.Errorf("normalize(%#v) = %#v, want NULL", v, got)
		}
	}
	if got := normalize(sql.NullInt64{Int64: 4, Valid: true}); got != int64(4) {
		t.Errorf("valid NullInt64 normalized to %#v", got)
	}
	if got := normalize(&s); got != "x" {
		t.Errorf("*string normalized to %#v", got)
	}
}

func TestInferredColumnTypes(t *testing.T) {
	r := &Result{
		Columns: []Column{{Name: "d"}, {Name: "dur"}, {Name: "explicit", Type: TypeJSON}, {Name: "nulls"}},
		Rows: [][]any{
			{time.Date(2024, 1, 1, 0, 0, 0, 500, time.UTC), time.Second, `{"a":1}`, nil},
			{nil, 1500 * time.Millisecond, `[]`, nil},
		},
	}
	defs := resolveColumns(r)
	want := []struct {
		t        ColumnType
		decimals uint8
		notNull  bool
	}{{TypeDatetime, 6, false}, {TypeTime, 6, true}, {TypeJSON, 0, true}, {TypeNull, 0, false}}
	for i, w := range want {
		d := defs[i]
		if d.Type != w.t || d.decimals != w.decimals || (d.flags&flagNotNull != 0) != w.notNull {
			t.Errorf("column %s: type %v decimals %d flags 0x%x, want %v %d notNull=%v",
				d.Name, d.Type, d.decimals, d.flags, w.t, w.decimals, w.notNull)
		}
	}
	if defs[2].charset != charsetUTF8MB4 {
		t.Errorf("JSON column charset %d", defs[2].charset)
	}
}
