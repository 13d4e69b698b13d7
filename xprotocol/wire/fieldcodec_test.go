package wire

import (
	"errors"
	"testing"
	"time"
)

func TestFieldRoundTrip(t *testing.T) {
	dt := DateTime{Year: 2024, Month: 2, Day: 29, Hour: 23, Minute: 59, Second: 58, Microsecond: 7, HasTime: true}
	cases := []struct {
		col  ColumnType
		in   any
		want string
		kind Kind
	}{
		{ColumnSint, int64(-9223372036854775808), "-9223372036854775808", KindInt},
		{ColumnSint, 0, "0", KindInt},
		{ColumnUint, uint64(18446744073709551615), "18446744073709551615", KindUint},
		{ColumnBit, uint64(0b1011), "11", KindBit},
		{ColumnDouble, -0.125, "-0.125", KindDouble},
		{ColumnFloat, float32(3.5), "3.5", KindFloat},
		{ColumnBytes, "", "", KindBytes},
		{ColumnBytes, []byte("a\x00b"), "a\x00b", KindBytes},
		{ColumnEnum, "red", "red", KindEnum},
		{ColumnTime, 838*time.Hour + 59*time.Minute + 59*time.Second, "838:59:59", KindTime},
		{ColumnTime, -(time.Second + 5*time.Microsecond), "-00:00:01.000005", KindTime},
		{ColumnTime, time.Duration(0), "00:00:00", KindTime},
		{ColumnDatetime, dt, "2024-02-29 23:59:58.000007", KindDateTime},
		{ColumnDatetime, DateTime{Year: 0, Month: 0, Day: 0}, "0000-00-00", KindDateTime},
		{ColumnSet, []string{}, "", KindSet},
		{ColumnSet, []string{""}, "", KindSet},
		{ColumnSet, []string{"a", "bb"}, "a,bb", KindSet},
		{ColumnDecimal, "0", "0", KindDecimal},
		{ColumnDecimal, "-0.05", "-0.05", KindDecimal},
		{ColumnDecimal, "123", "123", KindDecimal},
		{ColumnDecimal, "1234", "1234", KindDecimal},
		{ColumnDecimal, "+00012.50", "12.50", KindDecimal},
		{ColumnDecimal, "99999999999999999999999999999999999999.123456789",
			"99999999999999999999999999999999999999.123456789", KindDecimal},
		{ColumnSint, nil, "NULL", KindNull},
	}
	for _, c := range cases {
		col := ColumnMetaData{Type: c.col, Name: "c"}
		field, err := AppendField(nil, &col, c.in)
		if err != nil {
			t.Fatalf("encode %v as %d: %v", c.in, c.col, err)
		}
		var v Value
		if err := DecodeValue(&col, field, &v); err != nil {
			t.Fatalf("decode %v (%x): %v", c.in, field, err)
		}
		if v.Kind != c.kind || v.String() != c.want {
			t.Errorf("%v as %d: got %s %q, want %s %q", c.in, c.col, v.Kind, v.String(), c.kind, c.want)
		}
	}
}

func TestSetEncodings(t *testing.T) {
	got, err := DecodeSet([]byte{0x01}, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("0x01 = %q %v, want the empty set", got, err)
	}
	got, err = DecodeSet([]byte{0x00}, nil)
	if err != nil || len(got) != 1 || len(got[0]) != 0 {
		t.Fatalf("0x00 = %q %v, want {\"\"}", got, err)
	}
	if _, err := DecodeSet([]byte{0x05, 'a'}, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("truncated set: %v", err)
	}
}

func TestDecimalWire(t *testing.T) {
	// MySQL's own encodings: 1.5 -> scale 1, digits 15, sign c (odd count: sign in the low nibble);
	// -12.34 -> scale 2, digits 1234, sign d in a trailing high nibble.
	for _, c := range []struct {
		wire []byte
		want string
	}{
		{[]byte{0x01, 0x15, 0xc0}, "1.5"},
		{[]byte{0x02, 0x12, 0x34, 0xd0}, "-12.34"},
		{[]byte{0x00, 0x1c}, "1"},
		{[]byte{0x02, 0x00, 0x5c}, "0.05"},
	} {
		got, err := AppendDecimal(nil, c.wire)
		if err != nil || string(got) != c.want {
			t.Errorf("%x = %q %v, want %q", c.wire, got, err, c.want)
		}
	}
	for _, bad := range [][]byte{{0x01}, {0x00, 0x1a}, {0x05, 0x1c}, {0x00, 0xac}} {
		if _, err := AppendDecimal(nil, bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%x accepted: %v", bad, err)
		}
	}
	enc, _ := AppendDecimalField(nil, "1.5")
	if string(enc) != "\x01\x15\xc0" {
		t.Errorf("encode 1.5 = %x", enc)
	}
}

func TestMalformedFields(t *testing.T) {
	cases := []struct {
		col   ColumnType
		field []byte
	}{
		{ColumnSint, []byte{0x80}}, {ColumnSint, []byte{1, 2}}, {ColumnDouble, []byte{1, 2, 3}},
		{ColumnFloat, []byte{1}}, {ColumnBytes, []byte("no-terminator")}, {ColumnTime, []byte{2, 1}},
		{ColumnTime, []byte{0, 1, 60}}, {ColumnDatetime, []byte{1, 2}}, {ColumnDatetime, []byte{1, 13, 1}},
		{ColumnDatetime, []byte{1, 1, 1, 1, 1, 1, 1, 1}}, {ColumnType(99), []byte{1}},
	}
	for _, c := range cases {
		var v Value
		if err := DecodeValue(&ColumnMetaData{Type: c.col}, c.field, &v); !errors.Is(err, ErrMalformed) {
			t.Errorf("type %d field %x: %v, want ErrMalformed", c.col, c.field, err)
		}
	}
}

// Decoding every column type into a reused Value allocates nothing.
func TestDecodeValueZeroAllocs(t *testing.T) {
	cols := []ColumnMetaData{{Type: ColumnSint}, {Type: ColumnUint}, {Type: ColumnDouble}, {Type: ColumnFloat},
		{Type: ColumnBytes}, {Type: ColumnTime}, {Type: ColumnDatetime}, {Type: ColumnDecimal}, {Type: ColumnSet},
		{Type: ColumnEnum}, {Type: ColumnBit}}
	vals := []any{int64(-42), uint64(42), 1.5, float32(2.5), "text", -time.Minute,
		DateTime{Year: 2020, Month: 1, Day: 2, Hour: 3, HasTime: true}, "-123.45", []string{"x", "y"}, "e", uint64(3)}
	fields := make([][]byte, len(cols))
	for i := range cols {
		var err error
		if fields[i], err = AppendField(nil, &cols[i], vals[i]); err != nil {
			t.Fatal(err)
		}
	}
	row := Row{}
	payload := row.AppendPayload(nil)
	row.Fields = fields
	payload = row.AppendPayload(payload[:0])
	out := make([]Value, len(cols))
	decode := func() {
		if err := row.Unmarshal(payload); err != nil {
			t.Fatal(err)
		}
		for i := range cols {
			if err := DecodeValue(&cols[i], row.Fields[i], &out[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	decode()
	if allocs := testing.AllocsPerRun(100, decode); allocs != 0 {
		t.Fatalf("%v allocations per row of %d scalars, want 0", allocs, len(cols))
	}
}
