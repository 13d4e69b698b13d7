package wire

import (
	"fmt"
	"time"
)

// AnyOf converts a Go value to the Any of a statement argument: nil is NULL; signed integers are V_SINT,
// unsigned V_UINT, float32/float64 V_FLOAT/V_DOUBLE, bool V_BOOL, string V_STRING, []byte V_OCTETS,
// time.Time a V_STRING "YYYY-MM-DD hh:mm:ss.ffffff" (its own zone); an Any is passed through.
func AnyOf(v any) (Any, error) {
	switch x := v.(type) {
	case nil:
		return Null(), nil
	case Any:
		return x, nil
	case string:
		return String(x), nil
	case []byte:
		return Octets(x), nil
	case bool:
		return Bool(x), nil
	case float64:
		return Double(x), nil
	case float32:
		return Float(x), nil
	case time.Time:
		return String(x.Format("2006-01-02 15:04:05.999999")), nil
	case uint, uint8, uint16, uint32, uint64:
		u, _ := toUint64(v)
		return Uint(u), nil
	}
	if i, ok := toInt64(v); ok {
		return Sint(i), nil
	}
	return Any{}, fmt.Errorf("%w: cannot send a %T as an argument", ErrType, v)
}

// AnysOf converts every argument with AnyOf.
func AnysOf(args []any) ([]Any, error) {
	if len(args) == 0 {
		return nil, nil
	}
	out := make([]Any, len(args))
	for i, a := range args {
		var err error
		if out[i], err = AnyOf(a); err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
	}
	return out, nil
}
