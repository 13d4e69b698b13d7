package classic

import (
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// normalize unwraps the value forms that stand for something else: *string, driver.Valuer and typed nils.
// It returns nil for SQL NULL.
func normalize(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case []byte, string:
		return v
	case driver.Valuer:
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return nil
		}
		dv, err := x.Value()
		if err != nil {
			return fmt.Sprintf("<%v>", err)
		}
		return normalize(dv)
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil
	}
	return v
}

// appendTextValue appends one text-protocol row value: NULL as 0xfb, anything else as a length-encoded string.
func appendTextValue(b []byte, v any, t ColumnType, decimals uint8) []byte {
	v = normalize(v)
	if v == nil {
		return append(b, 0xfb)
	}
	return appendLenEncBytes(b, formatValue(v, t, decimals))
}

// formatValue renders a non-NULL value the way mysqld prints it in the text protocol.
func formatValue(v any, t ColumnType, decimals uint8) []byte {
	switch x := v.(type) {
	case string:
		return []byte(x)
	case []byte:
		return x
	case bool:
		if x {
			return []byte{'1'}
		}
		return []byte{'0'}
	case float32:
		return formatFloat(float64(x), 32)
	case float64:
		return formatFloat(x, 64)
	case time.Time:
		return formatTime(x, t, decimals)
	case time.Duration:
		return formatDuration(x, decimals)
	case fmt.Stringer:
		return []byte(x.String())
	}
	if i, ok := asInt(v); ok {
		return strconv.AppendInt(nil, i, 10)
	}
	if u, ok := asUint(v); ok {
		return strconv.AppendUint(nil, u, 10)
	}
	return []byte(fmt.Sprint(v))
}

// formatFloat prints like mysqld: shortest round-trip digits, exponent without '+' or leading zeros.
func formatFloat(f float64, bits int) []byte {
	s := strconv.FormatFloat(f, 'g', -1, bits)
	mant, exp, ok := strings.Cut(s, "e")
	if !ok || math.IsInf(f, 0) || math.IsNaN(f) {
		return []byte(s)
	}
	n, _ := strconv.Atoi(exp)
	return []byte(mant + "e" + strconv.Itoa(n))
}

func formatTime(ts time.Time, t ColumnType, decimals uint8) []byte {
	layout := "2006-01-02 15:04:05"
	switch t {
	case TypeDate:
		return []byte(ts.Format("2006-01-02"))
	case TypeTime:
		layout = "15:04:05"
	}
	if decimals > 0 && decimals <= 6 {
		layout += "." + strings.Repeat("0", int(decimals))
	}
	return []byte(ts.Format(layout))
}

// formatDuration prints a TIME value: [-]hh:mm:ss[.ffffff], hours may exceed 24.
func formatDuration(d time.Duration, decimals uint8) []byte {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	h, m, s := d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second
	out := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
	if decimals > 0 && decimals <= 6 {
		us := fmt.Sprintf("%06d", d%time.Second/time.Microsecond)
		out += "." + us[:decimals]
	}
	return []byte(out)
}

func asInt(v any) (int64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), true
	}
	return 0, false
}

func asUint(v any) (uint64, bool) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return rv.Uint(), true
	}
	return 0, false
}

// inferType picks the column type for a sample value (see Column.Type).
func inferType(sample any, unsigned bool) (ColumnType, bool) {
	switch sample.(type) { // time types first: both are fmt.Stringers
	case nil:
		return TypeNull, unsigned
	case time.Time:
		return TypeDatetime, unsigned
	case time.Duration:
		return TypeTime, unsigned
	case string, fmt.Stringer:
		return TypeVarString, unsigned
	case []byte:
		return TypeBlob, unsigned
	case bool:
		return TypeTiny, unsigned
	case float32, float64:
		return TypeDouble, unsigned
	}
	if _, ok := asInt(sample); ok {
		return TypeLongLong, unsigned
	}
	if _, ok := asUint(sample); ok {
		return TypeLongLong, true
	}
	return TypeVarString, unsigned
}

// fractionDigits is the fractional-second precision the values of column i show, which makes a temporal
// column DATETIME(n) / TIME(n): 6 for a time value with a sub-second part, and for text the digits after
// the point, as a data store prints its DATETIME(3) ("2024-05-17 10:20:30.120").
func fractionDigits(rows [][]any, i int) uint8 {
	var n uint8
	for _, row := range rows {
		switch x := normalize(row[i]).(type) {
		case time.Time:
			if x.Nanosecond() != 0 {
				n = 6
			}
		case time.Duration:
			if x%time.Second != 0 {
				n = 6
			}
		case string:
			n = max(n, textFraction(x))
		case []byte:
			n = max(n, textFraction(string(x)))
		}
	}
	return n
}

// textFraction counts the digits after the last '.' of a time's text, at most 6.
func textFraction(s string) uint8 {
	dot := strings.LastIndexByte(s, '.')
	if dot < 0 {
		return 0
	}
	digits := len(s) - dot - 1
	if digits > 6 || strings.TrimLeft(s[dot+1:], "0123456789") != "" {
		return 0
	}
	return uint8(digits)
}
