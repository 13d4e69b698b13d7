package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrNull is returned by the typed field decoders for a NULL field (an empty field).
var ErrNull = errors.New("xprotocol: NULL value")

func fieldErr(kind string, b []byte) error {
	return fmt.Errorf("%w: bad %s field (%d bytes)", ErrMalformed, kind, len(b))
}

func oneVarint(b []byte, kind string) (uint64, error) {
	if len(b) == 0 {
		return 0, ErrNull
	}
	v, n := protowire.ConsumeVarint(b)
	if n != len(b) {
		return 0, fieldErr(kind, b)
	}
	return v, nil
}

// DecodeSint decodes a SINT field (zigzag varint).
func DecodeSint(b []byte) (int64, error) {
	v, err := oneVarint(b, "SINT")
	return protowire.DecodeZigZag(v), err
}

// DecodeUint decodes a UINT or BIT field (varint).
func DecodeUint(b []byte) (uint64, error) { return oneVarint(b, "UINT") }

// DecodeDouble decodes a DOUBLE field (8 bytes little-endian).
func DecodeDouble(b []byte) (float64, error) {
	if len(b) == 0 {
		return 0, ErrNull
	}
	if len(b) != 8 {
		return 0, fieldErr("DOUBLE", b)
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
}

// DecodeFloat decodes a FLOAT field (4 bytes little-endian).
func DecodeFloat(b []byte) (float32, error) {
	if len(b) == 0 {
		return 0, ErrNull
	}
	if len(b) != 4 {
		return 0, fieldErr("FLOAT", b)
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(b)), nil
}

// DecodeBytes decodes a BYTES or ENUM field: the value followed by one 0x00 byte. The result aliases b.
func DecodeBytes(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, ErrNull
	}
	if b[len(b)-1] != 0 {
		return nil, fieldErr("BYTES", b)
	}
	return b[:len(b)-1], nil
}

// DecodeTime decodes a TIME field: a sign varint (0 or 1) then hours, minutes, seconds, microseconds
// (trailing parts may be omitted).
func DecodeTime(b []byte) (time.Duration, error) {
	if len(b) == 0 {
		return 0, ErrNull
	}
	var parts [5]uint64
	n, err := decodeVarints(b, parts[:], "TIME")
	if err != nil {
		return 0, err
	}
	if n < 1 || parts[0] > 1 || parts[2] > 59 || parts[3] > 59 || parts[4] > 999999 || parts[1] > 1<<20 {
		return 0, fieldErr("TIME", b)
	}
	d := time.Duration(parts[1])*time.Hour + time.Duration(parts[2])*time.Minute +
		time.Duration(parts[3])*time.Second + time.Duration(parts[4])*time.Microsecond
	if parts[0] == 1 {
		d = -d
	}
	return d, nil
}

// DateTime is a decoded DATETIME/DATE/TIMESTAMP field. It keeps zero dates (0000-00-00) that
// time.Time cannot represent.
type DateTime struct {
	Year                 uint16
	Month, Day           uint8
	Hour, Minute, Second uint8
	Microsecond          uint32
	HasTime              bool // false for a field that only carried year, month, day
}

// Time converts to a time.Time in loc (UTC when nil).
func (d DateTime) Time(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(int(d.Year), time.Month(d.Month), int(d.Day), int(d.Hour), int(d.Minute), int(d.Second),
		int(d.Microsecond)*1000, loc)
}

// String formats like MySQL: "2006-01-02" or "2006-01-02 15:04:05[.000000]".
func (d DateTime) String() string {
	return string(d.AppendText(nil))
}

// AppendText appends the MySQL text form of d.
func (d DateTime) AppendText(b []byte) []byte {
	b = appendPadded(b, uint64(d.Year), 4)
	b = append(b, '-')
	b = appendPadded(b, uint64(d.Month), 2)
	b = append(b, '-')
	b = appendPadded(b, uint64(d.Day), 2)
	if !d.HasTime {
		return b
	}
	b = append(b, ' ')
	b = appendPadded(b, uint64(d.Hour), 2)
	b = append(b, ':')
	b = appendPadded(b, uint64(d.Minute), 2)
	b = append(b, ':')
	b = appendPadded(b, uint64(d.Second), 2)
	if d.Microsecond != 0 {
		b = append(b, '.')
		b = appendPadded(b, uint64(d.Microsecond), 6)
	}
	return b
}

func appendPadded(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for v > 0 || i == len(tmp) {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	for len(tmp)-i < width {
		i--
		tmp[i] = '0'
	}
	return append(b, tmp[i:]...)
}

// DecodeDateTime decodes a DATETIME field: varints year, month, day [, hour, minute, second, microsecond].
func DecodeDateTime(b []byte) (DateTime, error) {
	if len(b) == 0 {
		return DateTime{}, ErrNull
	}
	var p [7]uint64
	n, err := decodeVarints(b, p[:], "DATETIME")
	if err != nil {
		return DateTime{}, err
	}
	if n < 3 || p[0] > 9999 || p[1] > 12 || p[2] > 31 || p[3] > 23 || p[4] > 59 || p[5] > 59 || p[6] > 999999 {
		return DateTime{}, fieldErr("DATETIME", b)
	}
	return DateTime{Year: uint16(p[0]), Month: uint8(p[1]), Day: uint8(p[2]), Hour: uint8(p[3]),
		Minute: uint8(p[4]), Second: uint8(p[5]), Microsecond: uint32(p[6]), HasTime: n > 3}, nil
}

func decodeVarints(b []byte, dst []uint64, kind string) (int, error) {
	n := 0
	for len(b) > 0 {
		if n == len(dst) {
			return 0, fieldErr(kind, b)
		}
		v, m := protowire.ConsumeVarint(b)
		if m < 0 {
			return 0, fieldErr(kind, b)
		}
		dst[n] = v
		n++
		b = b[m:]
	}
	return n, nil
}

// AppendDecimal appends the text form ("-123.45") of a DECIMAL field: a scale byte, packed BCD digits and a
// sign nibble (0xc positive, 0xd negative).
func AppendDecimal(dst []byte, b []byte) ([]byte, error) {
	if len(b) == 0 {
		return dst, ErrNull
	}
	if len(b) < 2 {
		return dst, fieldErr("DECIMAL", b)
	}
	scale := int(b[0])
	digits, sign, ok := bcdDigits(b[1:])
	if !ok || scale > digits {
		return dst, fieldErr("DECIMAL", b)
	}
	bcd := b[1:]
	if sign == 0xd {
		dst = append(dst, '-')
	}
	intDigits := digits - scale
	i := 0
	for i < intDigits-1 && bcdDigit(bcd, i) == 0 {
		i++ // leading zeros
	}
	if intDigits == 0 {
		dst = append(dst, '0')
	}
	for ; i < intDigits; i++ {
		dst = append(dst, '0'+bcdDigit(bcd, i))
	}
	if scale > 0 {
		dst = append(dst, '.')
		for i = intDigits; i < digits; i++ {
			dst = append(dst, '0'+bcdDigit(bcd, i))
		}
	}
	return dst, nil
}

// bcdDigits counts digit nibbles and finds the sign nibble; every digit must be 0-9.
func bcdDigits(b []byte) (int, byte, bool) {
	last := b[len(b)-1]
	var digits int
	var sign byte
	if last&0x0f == 0 && last>>4 >= 0xa {
		digits, sign = 2*(len(b)-1), last>>4
	} else {
		digits, sign = 2*len(b)-1, last&0x0f
	}
	if sign != 0xc && sign != 0xd {
		return 0, 0, false
	}
	for i := 0; i < digits; i++ {
		if bcdDigit(b, i) > 9 {
			return 0, 0, false
		}
	}
	return digits, sign, true
}

func bcdDigit(b []byte, i int) byte {
	if i%2 == 0 {
		return b[i/2] >> 4
	}
	return b[i/2] & 0x0f
}

// DecodeSet decodes a SET field into dst (reused): a 0x01 byte alone is the empty set, otherwise a
// sequence of varint-length-prefixed members. Members alias b.
func DecodeSet(b []byte, dst [][]byte) ([][]byte, error) {
	dst = dst[:0]
	if len(b) == 0 {
		return dst, ErrNull
	}
	if len(b) == 1 && b[0] == 0x01 {
		return dst, nil
	}
	for len(b) > 0 {
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return dst[:0], fieldErr("SET", b)
		}
		dst = append(dst, v)
		b = b[n:]
	}
	return dst, nil
}
