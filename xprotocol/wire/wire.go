package wire

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrMalformed is wrapped by every decode error caused by bytes that are not a valid message.
var ErrMalformed = errors.New("xprotocol: malformed message")

// fieldReader walks the fields of one protobuf message without allocating.
type fieldReader struct {
	b   []byte
	num protowire.Number
	typ protowire.Type
	u   uint64 // varint, fixed32 or fixed64 value
	v   []byte // length-delimited value (aliases the input)
	err error
}

func newFieldReader(b []byte) fieldReader { return fieldReader{b: b} }

func (r *fieldReader) next() bool {
	if len(r.b) == 0 || r.err != nil {
		return false
	}
	num, typ, n := protowire.ConsumeTag(r.b)
	if n < 0 {
		r.err = malformed("tag", protowire.ParseError(n))
		return false
	}
	r.b = r.b[n:]
	switch typ {
	case protowire.VarintType:
		r.u, n = protowire.ConsumeVarint(r.b)
	case protowire.Fixed64Type:
		r.u, n = protowire.ConsumeFixed64(r.b)
	case protowire.Fixed32Type:
		var v uint32
		v, n = protowire.ConsumeFixed32(r.b)
		r.u = uint64(v)
	case protowire.BytesType:
		r.v, n = protowire.ConsumeBytes(r.b)
	default:
		n = protowire.ConsumeFieldValue(num, typ, r.b)
	}
	if n < 0 {
		r.err = malformed(fmt.Sprintf("field %d", num), protowire.ParseError(n))
		return false
	}
	r.b = r.b[n:]
	r.num, r.typ = num, typ
	return true
}

// want records an error when the current field does not have wire type t.
func (r *fieldReader) want(t protowire.Type) bool {
	if r.typ == t {
		return true
	}
	r.err = fmt.Errorf("%w: field %d has wire type %d, want %d", ErrMalformed, r.num, r.typ, t)
	return false
}

func (r *fieldReader) varint() uint64 {
	if !r.want(protowire.VarintType) {
		return 0
	}
	return r.u
}

func (r *fieldReader) bytes() []byte {
	if !r.want(protowire.BytesType) {
		return nil
	}
	return r.v
}

func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
}

func missing(msg, field string) error {
	return fmt.Errorf("%w: %s: required field %s missing", ErrMalformed, msg, field)
}

// beginMessage appends the tag of a length-delimited field and reserves one length byte.
// endMessage fixes the length once the body is appended.
func beginMessage(b []byte, num protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = append(b, 0)
	return b, len(b)
}

func endMessage(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	sz := protowire.SizeVarint(uint64(n))
	for i := 1; i < sz; i++ {
		b = append(b, 0)
	}
	copy(b[start-1+sz:], b[start:start+n])
	protowire.AppendVarint(b[start-1:start-1], uint64(n))
	return b
}

func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func appendStringField(b []byte, num protowire.Number, v string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, v)
}

func appendBoolField(b []byte, num protowire.Number, v bool) []byte {
	return appendVarintField(b, num, protowire.EncodeBool(v))
}
func protoNum(i int) protowire.Number { return protowire.Number(i) }
