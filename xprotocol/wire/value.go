package wire

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// AnyType is the kind of a Datatypes.Any.
type AnyType uint8

// Any kinds.
const (
	AnyScalar AnyType = 1
	AnyObject AnyType = 2
	AnyArray  AnyType = 3
)

// ScalarType is the kind of a Datatypes.Scalar.
type ScalarType uint8

// Scalar kinds.
const (
	ScalarSint   ScalarType = 1
	ScalarUint   ScalarType = 2
	ScalarNull   ScalarType = 3
	ScalarOctets ScalarType = 4
	ScalarDouble ScalarType = 5
	ScalarFloat  ScalarType = 6
	ScalarBool   ScalarType = 7
	ScalarString ScalarType = 8
)

// maxAnyDepth bounds nesting of objects and arrays so hostile input cannot exhaust the stack.
const maxAnyDepth = 32

// Scalar is a Datatypes.Scalar. Only the field matching Type is meaningful.
type Scalar struct {
	Type        ScalarType
	Sint        int64
	Uint        uint64
	Double      float64
	Float       float32
	Bool        bool
	Bytes       []byte // V_OCTETS value or V_STRING value
	ContentType uint32 // V_OCTETS content type
	Collation   uint64 // V_STRING collation
}

// ObjectField is one key/value of a Datatypes.Object.
type ObjectField struct {
	Key   string
	Value Any
}

// Any is a Datatypes.Any: a scalar, an object or an array. Used for capability values,
// statement arguments and admin-command arguments.
type Any struct {
	Type   AnyType
	Scalar Scalar
	Object []ObjectField
	Array  []Any
}

// Sint returns a signed integer Any.
func Sint(v int64) Any { return Any{Type: AnyScalar, Scalar: Scalar{Type: ScalarSint, Sint: v}} }

// Uint returns an unsigned integer Any.
func Uint(v uint64) Any { return Any{Type: AnyScalar, Scalar: Scalar{Type: ScalarUint, Uint: v}} }

// Null returns a NULL Any.
func Null() Any { return Any{Type: AnyScalar, Scalar: Scalar{Type: ScalarNull}} }

// String returns a V_STRING Any.
func String(s string) Any {
	return Any{Type: AnyScalar, Scalar: Scalar{Type: ScalarString, Bytes: []byte(s)}}
}

// Octets returns a V_OCTETS Any (binary data).
func Octets(b []byte) Any { return Any{Type: AnyScalar, Scalar: Scalar{Type: ScalarOctets, Bytes: b}} }

// Double returns a V_DOUBLE Any.
func Double(v float64) Any {
	return Any{Type: AnyScalar, Scalar: Scalar{Type: ScalarDouble, Double: v}}
}

// Float returns a V_FLOAT Any.
func Float(v float32) Any { return Any{Type: AnyScalar, Scalar: Scalar{Type: ScalarFloat, Float: v}} }

// Bool returns a V_BOOL Any.
func Bool(v bool) Any { return Any{Type: AnyScalar, Scalar: Scalar{Type: ScalarBool, Bool: v}} }

// Array returns an ARRAY Any.
func Array(items ...Any) Any { return Any{Type: AnyArray, Array: items} }

// Object returns an OBJECT Any.
func Object(fields ...ObjectField) Any { return Any{Type: AnyObject, Object: fields} }

// Field returns the value of key in an object.
func (a Any) Field(key string) (Any, bool) {
	for _, f := range a.Object {
		if f.Key == key {
			return f.Value, true
		}
	}
	return Any{}, false
}

// Text returns the value of a V_STRING or V_OCTETS scalar.
func (a Any) Text() (string, bool) {
	if a.Type != AnyScalar || (a.Scalar.Type != ScalarString && a.Scalar.Type != ScalarOctets) {
		return "", false
	}
	return string(a.Scalar.Bytes), true
}

// AsBool returns the value of a V_BOOL scalar (integers are accepted as MySQL does).
func (a Any) AsBool() (bool, bool) {
	if a.Type != AnyScalar {
		return false, false
	}
	switch a.Scalar.Type {
	case ScalarBool:
		return a.Scalar.Bool, true
	case ScalarSint:
		return a.Scalar.Sint != 0, true
	case ScalarUint:
		return a.Scalar.Uint != 0, true
	}
	return false, false
}

// AsUint returns the value of a non-negative integer scalar.
func (a Any) AsUint() (uint64, bool) {
	if a.Type != AnyScalar {
		return 0, false
	}
	switch a.Scalar.Type {
	case ScalarUint:
		return a.Scalar.Uint, true
	case ScalarSint:
		return uint64(a.Scalar.Sint), a.Scalar.Sint >= 0
	}
	return 0, false
}

// String formats the value for logs and error messages (JSON-like).
func (a Any) String() string {
	var sb strings.Builder
	a.format(&sb)
	return sb.String()
}

func (a Any) format(sb *strings.Builder) {
	switch a.Type {
	case AnyObject:
		sb.WriteByte('{')
		for i, f := range a.Object {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(strconv.Quote(f.Key))
			sb.WriteString(": ")
			f.Value.format(sb)
		}
		sb.WriteByte('}')
	case AnyArray:
		sb.WriteByte('[')
		for i, v := range a.Array {
			if i > 0 {
				sb.WriteString(", ")
			}
			v.format(sb)
		}
		sb.WriteByte(']')
	default:
		sb.WriteString(a.Scalar.String())
	}
}

// String formats the scalar for logs and error messages.
func (s Scalar) String() string {
	switch s.Type {
	case ScalarSint:
		return strconv.FormatInt(s.Sint, 10)
	case ScalarUint:
		return strconv.FormatUint(s.Uint, 10)
	case ScalarNull:
		return "null"
	case ScalarOctets, ScalarString:
		return strconv.Quote(string(s.Bytes))
	case ScalarDouble:
		return strconv.FormatFloat(s.Double, 'g', -1, 64)
	case ScalarFloat:
		return strconv.FormatFloat(float64(s.Float), 'g', -1, 32)
	case ScalarBool:
		return strconv.FormatBool(s.Bool)
	}
	return fmt.Sprintf("scalar(type %d)", s.Type)
}

// AppendAny appends the protobuf encoding of a (the body of a Datatypes.Any message).
func AppendAny(b []byte, a Any) []byte {
	b = appendVarintField(b, 1, uint64(a.Type))
	switch a.Type {
	case AnyScalar:
		b, start := beginMessage(b, 2)
		b = AppendScalar(b, a.Scalar)
		return endMessage(b, start)
	case AnyObject:
		b, start := beginMessage(b, 3)
		for _, f := range a.Object {
			fb, fstart := beginMessage(b, 1)
			fb = appendStringField(fb, 1, f.Key)
			vb, vstart := beginMessage(fb, 2)
			b = endMessage(endMessage(AppendAny(vb, f.Value), vstart), fstart)
		}
		return endMessage(b, start)
	case AnyArray:
		b, start := beginMessage(b, 4)
		for _, v := range a.Array {
			vb, vstart := beginMessage(b, 1)
			b = endMessage(AppendAny(vb, v), vstart)
		}
		return endMessage(b, start)
	}
	return b
}

// AppendScalar appends the protobuf encoding of s (the body of a Datatypes.Scalar message).
func AppendScalar(b []byte, s Scalar) []byte {
	b = appendVarintField(b, 1, uint64(s.Type))
	switch s.Type {
	case ScalarSint:
		b = appendVarintField(b, 2, protowire.EncodeZigZag(s.Sint))
	case ScalarUint:
		b = appendVarintField(b, 3, s.Uint)
	case ScalarOctets:
		b, start := beginMessage(b, 5)
		b = appendBytesField(b, 1, s.Bytes)
		if s.ContentType != 0 {
			b = appendVarintField(b, 2, uint64(s.ContentType))
		}
		return endMessage(b, start)
	case ScalarDouble:
		b = protowire.AppendTag(b, 6, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(s.Double))
	case ScalarFloat:
		b = protowire.AppendTag(b, 7, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(s.Float))
	case ScalarBool:
		b = appendBoolField(b, 8, s.Bool)
	case ScalarString:
		b, start := beginMessage(b, 9)
		b = appendBytesField(b, 1, s.Bytes)
		if s.Collation != 0 {
			b = appendVarintField(b, 2, s.Collation)
		}
		return endMessage(b, start)
	}
	return b
}

// DecodeAny decodes a Datatypes.Any message. Byte values are copied, so the result outlives b.
func DecodeAny(b []byte) (Any, error) { return decodeAny(b, 0) }

func decodeAny(b []byte, depth int) (Any, error) {
	if depth > maxAnyDepth {
		return Any{}, fmt.Errorf("%w: Any nested deeper than %d", ErrMalformed, maxAnyDepth)
	}
	var a Any
	var err error
	hasScalar := false
	r := newFieldReader(b)
	for r.next() {
		switch r.num {
		case 1:
			a.Type = AnyType(r.varint())
		case 2:
			if v := r.bytes(); r.err == nil {
				a.Scalar, err = DecodeScalar(v)
				hasScalar = true
			}
		case 3:
			if v := r.bytes(); r.err == nil {
				a.Object, err = decodeObject(v, depth+1)
			}
		case 4:
			if v := r.bytes(); r.err == nil {
				a.Array, err = decodeArray(v, depth+1)
			}
		}
		if err != nil {
			return Any{}, err
		}
	}
	if r.err != nil {
		return Any{}, r.err
	}
	if a.Type < AnyScalar || a.Type > AnyArray || (a.Type == AnyScalar && !hasScalar) {
		return Any{}, fmt.Errorf("%w: Any type %d without its value", ErrMalformed, a.Type)
	}
	return a, nil
}

func decodeObject(b []byte, depth int) ([]ObjectField, error) {
	return decodeRepeated(b, depth, decodeObjectField)
}

// decodeRepeated decodes every field 1 of b (a repeated message) with decode.
func decodeRepeated[T any](b []byte, depth int, decode func([]byte, int) (T, error)) ([]T, error) {
	var items []T
	r := newFieldReader(b)
	for r.next() {
		if r.num != 1 {
			continue
		}
		v := r.bytes()
		if r.err != nil {
			break
		}
		item, err := decode(v, depth)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, r.err
}

func decodeObjectField(b []byte, depth int) (ObjectField, error) {
	var f ObjectField
	var err error
	hasValue := false
	r := newFieldReader(b)
	for r.next() {
		switch r.num {
		case 1:
			f.Key = string(r.bytes())
		case 2:
			if v := r.bytes(); r.err == nil {
				f.Value, err = decodeAny(v, depth)
				hasValue = true
			}
		}
		if err != nil {
			return f, err
		}
	}
	if r.err == nil && !hasValue {
		return f, missing("Object.ObjectField", "value")
	}
	return f, r.err
}

func decodeArray(b []byte, depth int) ([]Any, error) {
	return decodeRepeated(b, depth, decodeAny)
}

// DecodeScalar decodes a Datatypes.Scalar message. Byte values are copied.
func DecodeScalar(b []byte) (Scalar, error) {
	var s Scalar
	r := newFieldReader(b)
	for r.next() {
		switch r.num {
		case 1:
			s.Type = ScalarType(r.varint())
		case 2:
			s.Sint = protowire.DecodeZigZag(r.varint())
		case 3:
			s.Uint = r.varint()
		case 5:
			var ct uint64
			s.Bytes, ct = decodeOctets(&r)
			s.ContentType = uint32(ct)
		case 6:
			if r.want(protowire.Fixed64Type) {
				s.Double = math.Float64frombits(r.u)
			}
		case 7:
			if r.want(protowire.Fixed32Type) {
				s.Float = math.Float32frombits(uint32(r.u))
			}
		case 8:
			s.Bool = r.varint() != 0
		case 9:
			s.Bytes, s.Collation = decodeOctets(&r)
		}
	}
	if r.err != nil {
		return Scalar{}, r.err
	}
	if s.Type < ScalarSint || s.Type > ScalarString {
		return Scalar{}, fmt.Errorf("%w: Scalar type %d", ErrMalformed, s.Type)
	}
	return s, nil
}

// decodeOctets decodes Scalar.Octets or Scalar.String: field 1 value, field 2 content type / collation.
func decodeOctets(outer *fieldReader) ([]byte, uint64) {
	body := outer.bytes()
	if outer.err != nil {
		return nil, 0
	}
	value := []byte{}
	var extra uint64
	r := newFieldReader(body)
	for r.next() {
		switch r.num {
		case 1:
			value = append([]byte(nil), r.bytes()...)
		case 2:
			extra = r.varint()
		}
	}
	if r.err != nil {
		outer.err = r.err
	}
	return value, extra
}
