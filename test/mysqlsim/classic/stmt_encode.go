package classic

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
)

// appendBinaryCell appends the ProtocolBinary form of a non-NULL value in a column described by def:
// fixed-width little-endian integers and floats, length-prefixed dates and times, length-encoded strings for
// everything else. ok is false when the column type cannot carry the value (an integer column holding
// "n/a"); the caller then sends the column as text.
func appendBinaryCell(b []byte, v any, def *columnDef) ([]byte, bool) {
	switch def.Type {
	case TypeTiny:
		return appendBinaryInt(b, v, 1)
	case TypeShort, TypeYear:
		return appendBinaryInt(b, v, 2)
	case TypeLong, TypeInt24:
		return appendBinaryInt(b, v, 4)
	case TypeLongLong:
		return appendBinaryInt(b, v, 8)
	case TypeFloat:
		f, ok := toFloat(v)
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(f))), ok
	case TypeDouble:
		f, ok := toFloat(v)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(f)), ok
	case TypeDate, typeNewDate:
		dt, ok := toDateTime(v)
		return appendDate(b, dt), ok
	case TypeDatetime, TypeTimestamp:
		dt, ok := toDateTime(v)
		return appendDateTime(b, dt), ok
	case TypeTime:
		tv, ok := toTimeOfDay(v)
		return appendTime(b, tv), ok
	case TypeNull:
		return b, false
	}
	return appendLenEncBytes(b, formatValue(v, def.Type, def.decimals)), true
}

// appendBinaryInt appends the low size bytes of an integer value (two's complement for negatives).
func appendBinaryInt(b []byte, v any, size int) ([]byte, bool) {
	u, ok := toUint64Bits(v)
	for i := 0; i < size; i++ {
		b = append(b, byte(u>>(8*i)))
	}
	return b, ok
}

// toUint64Bits returns the 64-bit pattern of an integer, a bool, or the text of one.
func toUint64Bits(v any) (uint64, bool) {
	if i, ok := asInt(v); ok {
		return uint64(i), true
	}
	if u, ok := asUint(v); ok {
		return u, true
	}
	if x, ok := v.(bool); ok {
		if x {
			return 1, true
		}
		return 0, true
	}
	text := string(formatValue(v, TypeAuto, 0))
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return uint64(i), true
	}
	u, err := strconv.ParseUint(text, 10, 64)
	return u, err == nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	if i, ok := asInt(v); ok {
		return float64(i), true
	}
	if u, ok := asUint(v); ok {
		return float64(u), true
	}
	f, err := strconv.ParseFloat(string(formatValue(v, TypeAuto, 0)), 64)
	return f, err == nil
}

// toDateTime takes a time.Time or a date in MySQL's text form ("2024-05-17", "2024-05-17 10:20:30.5",
// "0000-00-00 00:00:00"), which is how data stores hand dates over.
func toDateTime(v any) (dateTime, bool) {
	if t, ok := v.(time.Time); ok {
		if t.Year() < 0 || t.Year() > math.MaxUint16 {
			return dateTime{}, false
		}
		return dateTime{year: uint16(t.Year()), month: uint8(t.Month()), day: uint8(t.Day()),
			hour: uint8(t.Hour()), min: uint8(t.Minute()), sec: uint8(t.Second()),
			micro: uint32(t.Nanosecond() / 1000)}, true
	}
	return parseDateTime(string(formatValue(v, TypeAuto, 0)))
}

func parseDateTime(s string) (dateTime, bool) {
	datePart, timePart, hasTime := strings.Cut(s, " ")
	ymd := strings.Split(datePart, "-")
	if len(ymd) != 3 {
		return dateTime{}, false
	}
	year, ok1 := parseField(ymd[0], math.MaxUint16)
	month, ok2 := parseField(ymd[1], math.MaxUint8)
	day, ok3 := parseField(ymd[2], math.MaxUint8)
	dt := dateTime{year: uint16(year), month: uint8(month), day: uint8(day)}
	if !ok1 || !ok2 || !ok3 {
		return dateTime{}, false
	}
	if !hasTime {
		return dt, true
	}
	tv, ok := parseClock(timePart, math.MaxUint8)
	if !ok || tv.neg {
		return dateTime{}, false
	}
	dt.hour, dt.min, dt.sec, dt.micro = uint8(tv.hours), tv.min, tv.sec, tv.micro
	return dt, true
}

// toTimeOfDay takes a time.Duration or a TIME in MySQL's text form ("-838:59:59.000001").
func toTimeOfDay(v any) (timeOfDay, bool) {
	if d, ok := v.(time.Duration); ok {
		tv := timeOfDay{neg: d < 0}
		if tv.neg {
			d = -d
		}
		tv.hours = uint64(d / time.Hour)
		tv.min, tv.sec = uint8(d%time.Hour/time.Minute), uint8(d%time.Minute/time.Second)
		tv.micro = uint32(d % time.Second / time.Microsecond)
		return tv, true
	}
	return parseClock(string(formatValue(v, TypeAuto, 0)), maxWireHours)
}

// maxWireHours is the largest hour count the binary TIME fields hold: 2^32-1 days plus an hour byte.
const maxWireHours = 24*math.MaxUint32 + math.MaxUint8

// parseClock reads [-]h:mm:ss[.ffffff] with at most maxHours hours.
func parseClock(s string, maxHours uint64) (timeOfDay, bool) {
	var tv timeOfDay
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		tv.neg, s = true, rest
	}
	s, frac, hasFrac := strings.Cut(s, ".")
	hms := strings.Split(s, ":")
	if len(hms) != 3 {
		return timeOfDay{}, false
	}
	h, ok1 := parseField(hms[0], maxHours)
	m, ok2 := parseField(hms[1], math.MaxUint8)
	sec, ok3 := parseField(hms[2], math.MaxUint8)
	if !ok1 || !ok2 || !ok3 {
		return timeOfDay{}, false
	}
	tv.hours, tv.min, tv.sec = h, uint8(m), uint8(sec)
	if hasFrac {
		if len(frac) == 0 || len(frac) > 6 {
			return timeOfDay{}, false
		}
		us, ok := parseField(frac+strings.Repeat("0", 6-len(frac)), 999999)
		if !ok {
			return timeOfDay{}, false
		}
		tv.micro = uint32(us)
	}
	return tv, true
}

// parseField reads a run of decimal digits no larger than maxVal.
func parseField(s string, maxVal uint64) (uint64, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n <= maxVal
}

// appendDate writes a DATE: length 0 for the zero date, else 4 bytes (year, month, day).
func appendDate(b []byte, dt dateTime) []byte {
	if dt.year == 0 && dt.month == 0 && dt.day == 0 {
		return append(b, 0)
	}
	return append(binary.LittleEndian.AppendUint16(append(b, 4), dt.year), dt.month, dt.day)
}

// appendDateTime writes a DATETIME in the shortest of its forms: 0, 4 (date), 7 (+ time) or 11 bytes
// (+ microseconds).
func appendDateTime(b []byte, dt dateTime) []byte {
	hasClock := dt.hour != 0 || dt.min != 0 || dt.sec != 0
	switch {
	case dt.micro != 0:
		b = append(binary.LittleEndian.AppendUint16(append(b, 11), dt.year), dt.month, dt.day)
		return binary.LittleEndian.AppendUint32(append(b, dt.hour, dt.min, dt.sec), dt.micro)
	case hasClock:
		b = append(binary.LittleEndian.AppendUint16(append(b, 7), dt.year), dt.month, dt.day)
		return append(b, dt.hour, dt.min, dt.sec)
	}
	return appendDate(b, dt)
}

// appendTime writes a TIME: length 0 for zero, else 8 bytes (sign, days, h, m, s) or 12 (+ microseconds).
func appendTime(b []byte, tv timeOfDay) []byte {
	if tv.hours == 0 && tv.min == 0 && tv.sec == 0 && tv.micro == 0 {
		return append(b, 0)
	}
	n := byte(8)
	if tv.micro != 0 {
		n = 12
	}
	sign := byte(0)
	if tv.neg {
		sign = 1
	}
	// Days saturate and the hour byte takes the rest, so every hour count the wire can carry survives.
	days := min(tv.hours/24, math.MaxUint32)
	b = binary.LittleEndian.AppendUint32(append(b, n, sign), uint32(days))
	b = append(b, byte(tv.hours-days*24), tv.min, tv.sec)
	if n == 12 {
		b = binary.LittleEndian.AppendUint32(b, tv.micro)
	}
	return b
}

// appendBinaryRow appends a ProtocolBinary::ResultsetRow: header 0x00, the NULL bitmap (offset 2: the
// first two bits are reserved), then the encoded cells. A nil cell is NULL.
func appendBinaryRow(b []byte, cells [][]byte) []byte {
	b = append(b, 0x00)
	start := len(b)
	b = append(b, make([]byte, (len(cells)+7+2)/8)...)
	for i, c := range cells {
		if c == nil {
			b[start+(i+2)/8] |= 1 << ((i + 2) % 8)
		}
	}
	for _, c := range cells {
		b = append(b, c...)
	}
	return b
}
