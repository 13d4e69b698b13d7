package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kind says which field of a Value holds the decoded field.
type Kind uint8

// Value kinds.
const (
	KindNull     Kind = iota
	KindInt           // Int (SINT)
	KindUint          // Uint (UINT)
	KindBit           // Uint (BIT)
	KindDouble        // Float (DOUBLE)
	KindFloat         // Float (FLOAT, widened)
	KindBytes         // Bytes (BYTES: strings, blobs, JSON)
	KindEnum          // Bytes (ENUM)
	KindDecimal       // Bytes holds the decimal text, e.g. "-12.30"
	KindTime          // Duration (TIME)
	KindDateTime      // DateTime (DATETIME, DATE, TIMESTAMP)
	KindSet           // Set (SET members)
)

var kindNames = [...]string{"NULL", "SINT", "UINT", "BIT", "DOUBLE", "FLOAT", "BYTES", "ENUM", "DECIMAL", "TIME",
	"DATETIME", "SET"}

// String names the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one decoded row field. Bytes and Set alias the frame buffer (or the Value's own scratch space
// for DECIMAL) and are valid until the next row is read; copy them to keep them.
type Value struct {
	Kind     Kind
	Int      int64
	Uint     uint64
	Float    float64
	Bytes    []byte
	Set      [][]byte
	Duration time.Duration
	DateTime DateTime

	scratch []byte
}

// IsNull reports whether the field was NULL.
func (v *Value) IsNull() bool { return v.Kind == KindNull }

// DecodeValue decodes field according to col into v, reusing v's buffers: zero allocations per scalar
// in the steady state.
func DecodeValue(col *ColumnMetaData, field []byte, v *Value) error {
	if len(field) == 0 {
		v.Kind = KindNull
		return nil
	}
	var err error
	switch col.Type {
	case ColumnSint:
		v.Kind = KindInt
		v.Int, err = DecodeSint(field)
	case ColumnUint, ColumnBit:
		v.Kind = KindUint
		if col.Type == ColumnBit {
			v.Kind = KindBit
		}
		v.Uint, err = DecodeUint(field)
	case ColumnDouble:
		v.Kind = KindDouble
		v.Float, err = DecodeDouble(field)
	case ColumnFloat:
		var f float32
		f, err = DecodeFloat(field)
		v.Kind, v.Float = KindFloat, float64(f)
	case ColumnBytes, ColumnEnum:
		v.Kind = KindBytes
		if col.Type == ColumnEnum {
			v.Kind = KindEnum
		}
		v.Bytes, err = DecodeBytes(field)
	default:
		return decodeComplex(col, field, v)
	}
	return err
}

func decodeComplex(col *ColumnMetaData, field []byte, v *Value) error {
	var err error
	switch col.Type {
	case ColumnDecimal:
		v.Kind = KindDecimal
		v.scratch, err = AppendDecimal(v.scratch[:0], field)
		v.Bytes = v.scratch
	case ColumnTime:
		v.Kind = KindTime
		v.Duration, err = DecodeTime(field)
	case ColumnDatetime:
		v.Kind = KindDateTime
		v.DateTime, err = DecodeDateTime(field)
	case ColumnSet:
		v.Kind = KindSet
		v.Set, err = DecodeSet(field, v.Set)
	default:
		return fmt.Errorf("%w: column %q has unknown type %d", ErrMalformed, col.Name, col.Type)
	}
	return err
}

// Clone returns a copy that owns its bytes (safe to keep after the next row).
func (v Value) Clone() Value {
	c := v
	c.scratch = nil
	if v.Bytes != nil {
		c.Bytes = append([]byte(nil), v.Bytes...)
	}
	if v.Set != nil {
		c.Set = make([][]byte, len(v.Set))
		for i, m := range v.Set {
			c.Set[i] = append([]byte(nil), m...)
		}
	}
	return c
}

// String formats the value as MySQL's text protocol would (NULL as "NULL").
func (v Value) String() string {
	switch v.Kind {
	case KindNull:
		return "NULL"
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	case KindUint, KindBit:
		return strconv.FormatUint(v.Uint, 10)
	case KindDouble:
		return strconv.FormatFloat(v.Float, 'g', -1, 64)
	case KindFloat:
		return strconv.FormatFloat(v.Float, 'g', -1, 32)
	case KindBytes, KindEnum, KindDecimal:
		return string(v.Bytes)
	case KindTime:
		return formatDuration(v.Duration)
	case KindDateTime:
		return v.DateTime.String()
	case KindSet:
		parts := make([]string, len(v.Set))
		for i, m := range v.Set {
			parts[i] = string(m)
		}
		return strings.Join(parts, ",")
	}
	return v.Kind.String()
}

func formatDuration(d time.Duration) string {
	var b []byte
	if d < 0 {
		b, d = append(b, '-'), -d
	}
	b = appendPadded(b, uint64(d/time.Hour), 2)
	b = append(b, ':')
	b = appendPadded(b, uint64(d/time.Minute%60), 2)
	b = append(b, ':')
	b = appendPadded(b, uint64(d/time.Second%60), 2)
	if us := uint64(d / time.Microsecond % 1e6); us != 0 {
		b = append(b, '.')
		b = appendPadded(b, us, 6)
	}
	return string(b)
}

// ErrType is wrapped when a typed accessor does not match the value's kind.
var ErrType = errors.New("xprotocol: value has another type")

// AsInt64 converts integer kinds (and BIT) to int64.
func (v *Value) AsInt64() (int64, error) {
	switch v.Kind {
	case KindInt:
		return v.Int, nil
	case KindUint, KindBit:
		if v.Uint > 1<<63-1 {
			return 0, fmt.Errorf("%w: %d overflows int64", ErrType, v.Uint)
		}
		return int64(v.Uint), nil
	case KindNull:
		return 0, ErrNull
	}
	return 0, fmt.Errorf("%w: %s is not an integer", ErrType, v.Kind)
}
