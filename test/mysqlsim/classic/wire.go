package classic

import (
	"encoding/binary"
	"errors"
)

// errShort is returned by the decoders when a packet ends before a field does.
var errShort = errors.New("packet too short")

// appendLenEncInt appends n as a length-encoded integer.
func appendLenEncInt(b []byte, n uint64) []byte {
	switch {
	case n < 251:
		return append(b, byte(n))
	case n < 1<<16:
		return append(b, 0xfc, byte(n), byte(n>>8))
	case n < 1<<24:
		return append(b, 0xfd, byte(n), byte(n>>8), byte(n>>16))
	default:
		return binary.LittleEndian.AppendUint64(append(b, 0xfe), n)
	}
}

// appendLenEncString appends s prefixed by its length-encoded length.
func appendLenEncString(b []byte, s string) []byte {
	return append(appendLenEncInt(b, uint64(len(s))), s...)
}

// appendLenEncBytes appends p prefixed by its length-encoded length.
func appendLenEncBytes(b []byte, p []byte) []byte {
	return append(appendLenEncInt(b, uint64(len(p))), p...)
}

// decoder reads the fields of one packet payload front to back.
// The first failure sticks in err; later reads return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errShort
	}
	d.b = nil
}

func (d *decoder) bytes(n int) []byte {
	if n < 0 || len(d.b) < n {
		d.fail()
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) uint8() uint8 {
	p := d.bytes(1)
	if p == nil {
		return 0
	}
	return p[0]
}

func (d *decoder) uint16() uint16 {
	p := d.bytes(2)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint16(p)
}

func (d *decoder) uint32() uint32 {
	p := d.bytes(4)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}

// lenEncInt reads a length-encoded integer. 0xfb (NULL) and 0xff are not valid here.
func (d *decoder) lenEncInt() uint64 {
	first := d.uint8()
	switch {
	case d.err != nil:
		return 0
	case first < 0xfb:
		return uint64(first)
	case first == 0xfc:
		return uint64(d.uint16())
	case first == 0xfd:
		p := d.bytes(3)
		if p == nil {
			return 0
		}
		return uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16
	case first == 0xfe:
		p := d.bytes(8)
		if p == nil {
			return 0
		}
		return binary.LittleEndian.Uint64(p)
	}
	d.fail()
	return 0
}

// lenEncBytes reads a length-encoded string.
func (d *decoder) lenEncBytes() []byte {
	n := d.lenEncInt()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	return d.bytes(int(n))
}

// nulString reads a NUL-terminated string. A missing terminator is an error.
func (d *decoder) nulString() string {
	for i, c := range d.b {
		if c == 0 {
			s := string(d.b[:i])
			d.b = d.b[i+1:]
			return s
		}
	}
	d.fail()
	return ""
}

// rest returns everything not read yet.
func (d *decoder) rest() []byte {
	p := d.b
	d.b = nil
	return p
}
