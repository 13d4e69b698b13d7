package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// The Append*Field functions encode one row field (the server side of the Decode* functions).
// NULL is an empty field: append nothing.

// AppendSintField appends a SINT field.
func AppendSintField(dst []byte, v int64) []byte {
	return protowire.AppendVarint(dst, protowire.EncodeZigZag(v))
}

// AppendUintField appends a UINT or BIT field.
func AppendUintField(dst []byte, v uint64) []byte { return protowire.AppendVarint(dst, v) }

// AppendDoubleField appends a DOUBLE field.
func AppendDoubleField(dst []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
}

// AppendFloatField appends a FLOAT field.
func AppendFloatField(dst []byte, v float32) []byte {
	return binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
}

// AppendBytesField appends a BYTES or ENUM field (value plus the 0x00 terminator).
func AppendBytesField(dst []byte, v []byte) []byte { return append(append(dst, v...), 0) }

// AppendStringField appends a BYTES or ENUM field from a string.
func AppendStringField(dst []byte, v string) []byte { return append(append(dst, v...), 0) }

// AppendTimeField appends a TIME field.
func AppendTimeField(dst []byte, d time.Duration) []byte {
	neg := uint64(0)
	if d < 0 {
		neg, d = 1, -d
	}
	dst = protowire.AppendVarint(dst, neg)
	dst = protowire.AppendVarint(dst, uint64(d/time.Hour))
	dst = protowire.AppendVarint(dst, uint64(d/time.Minute%60))
	dst = protowire.AppendVarint(dst, uint64(d/time.Second%60))
	if us := uint64(d / time.Microsecond % 1e6); us != 0 {
		dst = protowire.AppendVarint(dst, us)
	}
	return dst
}

// AppendDateTimeField appends a DATETIME field (date only when !v.HasTime).
func AppendDateTimeField(dst []byte, v DateTime) []byte {
	dst = protowire.AppendVarint(dst, uint64(v.Year))
	dst = protowire.AppendVarint(dst, uint64(v.Month))
	dst = protowire.AppendVarint(dst, uint64(v.Day))
	if !v.HasTime {
		return dst
	}
	dst = protowire.AppendVarint(dst, uint64(v.Hour))
	dst = protowire.AppendVarint(dst, uint64(v.Minute))
	dst = protowire.AppendVarint(dst, uint64(v.Second))
	if v.Microsecond != 0 {
		dst = protowire.AppendVarint(dst, uint64(v.Microsecond))
	}
	return dst
}

// DateTimeOf converts a time.Time to a DateTime with a time part.
func DateTimeOf(t time.Time) DateTime {
	return DateTime{Year: uint16(t.Year()), Month: uint8(t.Month()), Day: uint8(t.Day()), Hour: uint8(t.Hour()),
		Minute: uint8(t.Minute()), Second: uint8(t.Second()), Microsecond: uint32(t.Nanosecond() / 1000),
		HasTime: true}
}

// AppendSetField appends a SET field.
func AppendSetField(dst []byte, members []string) []byte {
	if len(members) == 0 {
		return append(dst, 0x01)
	}
	for _, m := range members {
		dst = protowire.AppendString(dst, m)
	}
	return dst
}

// AppendDecimalField appends a DECIMAL field from its text form ("-12.340").
func AppendDecimalField(dst []byte, text string) ([]byte, error) {
	s, sign := text, byte(0xc)
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = 0xd
		}
		s = s[1:]
	}
	digits := make([]byte, 0, len(s))
	scale, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits = append(digits, c-'0')
			if dot {
				scale++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return dst, fmt.Errorf("encode DECIMAL %q: invalid character %q", text, c)
		}
	}
	if len(digits) == 0 || scale > 255 {
		return dst, fmt.Errorf("encode DECIMAL %q: no digits or scale above 255", text)
	}
	dst = append(dst, byte(scale))
	digits = append(digits, sign)
	for i := 0; i < len(digits); i += 2 {
		hi, lo := digits[i], byte(0)
		if i+1 < len(digits) {
			lo = digits[i+1]
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, nil
}
