package classic

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Field types that only appear as parameter types (enum_field_types); the others are the exported Type*.
const (
	typeNewDate    ColumnType = 0x0e
	typeTinyBlob   ColumnType = 0xf9
	typeMediumBlob ColumnType = 0xfa
	typeLongBlob   ColumnType = 0xfb
	typeGeometry   ColumnType = 0xff
)

// paramType is a parameter type as COM_STMT_EXECUTE binds it: the field type and the unsigned flag (the high
// bit of the second byte).
type paramType struct {
	t        ColumnType
	unsigned bool
}

// errBadValue is a binary value the packet cannot hold: unknown type, impossible length, out-of-range field.
var errBadValue = errors.New("malformed binary value")

func (d *decoder) uint64() uint64 {
	p := d.bytes(8)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(p)
}

// decodeBinaryValue reads one ProtocolBinary value of type pt into the Go form Stmt.Execute documents.
func decodeBinaryValue(d *decoder, pt paramType) (any, error) {
	switch pt.t {
	case TypeNull:
		return nil, nil
	case TypeTiny:
		return intValue(uint64(d.uint8()), 8, pt.unsigned), d.err
	case TypeShort, TypeYear:
		return intValue(uint64(d.uint16()), 16, pt.unsigned), d.err
	case TypeLong, TypeInt24:
		return intValue(uint64(d.uint32()), 32, pt.unsigned), d.err
	case TypeLongLong:
		return intValue(d.uint64(), 64, pt.unsigned), d.err
	case TypeFloat:
		return math.Float32frombits(d.uint32()), d.err
	case TypeDouble:
		return math.Float64frombits(d.uint64()), d.err
	case TypeDate, TypeDatetime, TypeTimestamp, typeNewDate:
		return decodeDateTime(d, pt.t == TypeDate || pt.t == typeNewDate)
	case TypeTime:
		return decodeTime(d)
	case TypeBlob, typeTinyBlob, typeMediumBlob, typeLongBlob, typeGeometry, TypeBit:
		return append([]byte{}, d.lenEncBytes()...), d.err
	case TypeAuto, TypeDecimal, TypeVarChar, TypeVarString, TypeString, TypeJSON, TypeEnum, TypeSet:
		return string(d.lenEncBytes()), d.err
	}
	return nil, fmt.Errorf("%w: parameter type 0x%02x", errBadValue, uint8(pt.t))
}

// intValue sign-extends an integer of the given width, or keeps it unsigned.
func intValue(u uint64, bits uint, unsigned bool) any {
	if unsigned {
		return u
	}
	shift := 64 - bits
	return int64(u<<shift) >> shift
}

// dateTime holds the fields of a binary DATE/DATETIME/TIMESTAMP value.
type dateTime struct {
	year                       uint16
	month, day, hour, min, sec uint8
	micro                      uint32
}

// decodeDateTime reads a binary date: a length byte (0, 4, 7 or 11) and that many bytes of fields.
// A DATE keeps only its date part, as mysqld does.
func decodeDateTime(d *decoder, dateOnly bool) (any, error) {
	n := d.uint8()
	var v dateTime
	switch n {
	case 0:
	case 4, 7, 11:
		v.year, v.month, v.day = d.uint16(), d.uint8(), d.uint8()
		if n >= 7 {
			v.hour, v.min, v.sec = d.uint8(), d.uint8(), d.uint8()
		}
		if n == 11 {
			v.micro = d.uint32()
		}
	default:
		return nil, fmt.Errorf("%w: date length %d", errBadValue, n)
	}
	if d.err != nil {
		return nil, d.err
	}
	if v.micro > 999999 {
		return nil, fmt.Errorf("%w: %d microseconds", errBadValue, v.micro)
	}
	if dateOnly {
		v.hour, v.min, v.sec, v.micro = 0, 0, 0, 0
	}
	return v.value(dateOnly), nil
}

// value is the date as time.Time (UTC), or as MySQL's text when time.Time cannot hold it (0000-00-00,
// 2024-02-30, 25:00:00), so nothing the client sent is silently normalised into another date.
func (v dateTime) value(dateOnly bool) any {
	valid := v.month >= 1 && v.month <= 12 && v.day >= 1 && v.hour <= 23 && v.min <= 59 && v.sec <= 59
	if valid {
		t := time.Date(int(v.year), time.Month(v.month), int(v.day), int(v.hour), int(v.min), int(v.sec),
			int(v.micro)*1000, time.UTC)
		if t.Day() == int(v.day) {
			return t
		}
	}
	return v.String(dateOnly)
}

// String formats the fields as mysqld prints a DATE or DATETIME.
func (v dateTime) String(dateOnly bool) string {
	s := fmt.Sprintf("%04d-%02d-%02d", v.year, v.month, v.day)
	if dateOnly {
		return s
	}
	s += fmt.Sprintf(" %02d:%02d:%02d", v.hour, v.min, v.sec)
	if v.micro != 0 {
		s += fmt.Sprintf(".%06d", v.micro)
	}
	return s
}

// maxTimeHours is the largest hour count of a TIME value (838:59:59).
const maxTimeHours = 838

// timeOfDay holds the fields of a binary TIME value, hours folded from days + hours.
type timeOfDay struct {
	neg      bool
	hours    uint64
	min, sec uint8
	micro    uint32
}

// decodeTime reads a binary TIME: a length byte (0, 8 or 12), sign, days, hours, minutes, seconds,
// microseconds.
func decodeTime(d *decoder) (any, error) {
	n := d.uint8()
	var v timeOfDay
	switch n {
	case 0:
	case 8, 12:
		v.neg = d.uint8() != 0
		days := d.uint32()
		v.hours = uint64(days)*24 + uint64(d.uint8())
		v.min, v.sec = d.uint8(), d.uint8()
		if n == 12 {
			v.micro = d.uint32()
		}
	default:
		return nil, fmt.Errorf("%w: time length %d", errBadValue, n)
	}
	if d.err != nil {
		return nil, d.err
	}
	if v.micro > 999999 {
		return nil, fmt.Errorf("%w: %d microseconds", errBadValue, v.micro)
	}
	return v.value(), nil
}

// value is the TIME as time.Duration when it is a valid MySQL TIME, else as text.
func (v timeOfDay) value() any {
	if v.hours > maxTimeHours || v.min > 59 || v.sec > 59 {
		return v.String()
	}
	d := time.Duration(v.hours)*time.Hour + time.Duration(v.min)*time.Minute + time.Duration(v.sec)*time.Second +
		time.Duration(v.micro)*time.Microsecond
	if v.neg {
		d = -d
	}
	return d
}

// String formats the fields as mysqld prints a TIME.
func (v timeOfDay) String() string {
	sign := ""
	if v.neg {
		sign = "-"
	}
	s := fmt.Sprintf("%s%02d:%02d:%02d", sign, v.hours, v.min, v.sec)
	if v.micro != 0 {
		s += fmt.Sprintf(".%06d", v.micro)
	}
	return s
}
