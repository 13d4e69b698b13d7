package wire

import (
	"fmt"
	"strconv"
	"time"
)

// AppendField encodes a Go value as a row field of col's type: nil is NULL; integers, floats, strings, []byte,
// time.Duration (TIME), DateTime or time.Time (DATETIME) and []string (SET) as their column type allows.
func AppendField(dst []byte, col *ColumnMetaData, v any) ([]byte, error) {
	if v == nil {
		return dst, nil
	}
	switch col.Type {
	case ColumnSint:
		i, ok := toInt64(v)
		if !ok {
			break
		}
		return AppendSintField(dst, i), nil
	case ColumnUint, ColumnBit:
		u, ok := toUint64(v)
		if !ok {
			break
		}
		return AppendUintField(dst, u), nil
	case ColumnDouble, ColumnFloat:
		f, ok := toFloat64(v)
		if !ok {
			break
		}
		if col.Type == ColumnFloat {
			return AppendFloatField(dst, float32(f)), nil
		}
		return AppendDoubleField(dst, f), nil
	case ColumnBytes, ColumnEnum, ColumnDecimal:
		return appendTextField(dst, col, v)
	case ColumnTime:
		if d, ok := v.(time.Duration); ok {
			return AppendTimeField(dst, d), nil
		}
	case ColumnDatetime:
		return appendDateTimeValue(dst, col, v)
	case ColumnSet:
		if m, ok := v.([]string); ok {
			return AppendSetField(dst, m), nil
		}
	}
	return dst, fmt.Errorf("cannot encode %T as column type %d", v, col.Type)
}

func appendTextField(dst []byte, col *ColumnMetaData, v any) ([]byte, error) {
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case []byte:
		if col.Type != ColumnDecimal {
			return AppendBytesField(dst, x), nil
		}
		text = string(x)
	case float64:
		text = strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		text = strconv.FormatFloat(float64(x), 'f', -1, 32)
	case bool:
		text = "0"
		if x {
			text = "1"
		}
	default:
		i, ok := toInt64(v)
		if u, uok := toUint64(v); !ok && uok {
			text = strconv.FormatUint(u, 10)
		} else if ok {
			text = strconv.FormatInt(i, 10)
		} else {
			return dst, fmt.Errorf("cannot encode %T as column type %d", v, col.Type)
		}
	}
	if col.Type == ColumnDecimal {
		return AppendDecimalField(dst, text)
	}
	return AppendStringField(dst, text), nil
}

func appendDateTimeValue(dst []byte, col *ColumnMetaData, v any) ([]byte, error) {
	var dt DateTime
	switch x := v.(type) {
	case time.Time:
		dt = DateTimeOf(x)
		dt.HasTime = col.ContentType != ContentTypeDate
	case DateTime:
		dt = x
	default:
		return dst, fmt.Errorf("cannot encode %T as DATETIME", v)
	}
	return AppendDateTimeField(dst, dt), nil
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		return int64(x), x <= 1<<63-1
	case uint64:
		return int64(x), x <= 1<<63-1
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func toUint64(v any) (uint64, bool) {
	switch x := v.(type) {
	case uint:
		return uint64(x), true
	case uint64:
		return x, true
	}
	i, ok := toInt64(v)
	return uint64(i), ok && i >= 0
}

func toFloat64(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	if i, ok := toInt64(v); ok {
		return float64(i), true
	}
	return 0, false
}
